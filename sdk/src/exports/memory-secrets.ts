export { MemorySecretStore, type MemorySecretStoreConfig } from "../secrets/memory-secrets.js";
