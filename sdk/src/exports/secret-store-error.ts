export { SecretStoreError, type SecretStoreFailure } from "../secrets/secret-store-error.js";
