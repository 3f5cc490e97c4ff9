export { JsonSecretStore, type JsonSecretStoreConfig } from "../secrets/json-secrets.js";
