export {
  encryptSecrets,
  decryptSecrets,
  MIN_PBKDF2_ITERATIONS,
  type EncryptedSecretsFile,
  type EncryptSecretsOptions,
} from "../secrets/encrypted-secrets.js";
