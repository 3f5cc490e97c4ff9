export { BaseSecretStore, type SecretStore, type BaseSecretStoreConfig } from "../secrets/secret-store.js";
