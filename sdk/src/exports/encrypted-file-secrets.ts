export { EncryptedFileSecretStore, type EncryptedFileSecretStoreConfig } from "../secrets/encrypted-file-secrets.js";
