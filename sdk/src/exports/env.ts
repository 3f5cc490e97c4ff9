export { EnvSecretStore, type EnvSecretStoreConfig } from "../secrets/env.js";
