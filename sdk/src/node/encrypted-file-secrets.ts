import { encryptSecrets, type EncryptSecretsOptions } from "../secrets/encrypted-secrets.js";
import { EncryptedFileSecretStore } from "../secrets/encrypted-file-secrets.js";
import { checkPath } from "../internal/secrets-file.js";
import { directoryOf, loadFileSystem, processId } from "./node-modules.js";

export { EncryptedFileSecretStore, type EncryptedFileSecretStoreConfig } from "../secrets/encrypted-file-secrets.js";

/**
 * Writes an encrypted secrets file that `EncryptedFileSecretStore` reads: encrypts `secrets` (a JSON object, nested
 * groups allowed) under `password`, then replaces `path` atomically (a temporary file beside it, renamed over it)
 * with owner-only permissions (0600). Its folder is created if needed.
 * @example
 * import { writeEncryptedSecretsFile } from "modelmesh/node";
 * await writeEncryptedSecretsFile("secrets.enc", { OPENAI_API_KEY: process.env.OPENAI_API_KEY }, process.env.MODELMESH_SECRETS_PASSWORD!);
 */
export async function writeEncryptedSecretsFile(path: string, secrets: Record<string, unknown>, password: string, options: EncryptSecretsOptions = {}): Promise<void> {
  checkPath(EncryptedFileSecretStore.connectorId, path);
  const text = await encryptSecrets(secrets, password, options);
  const fs = await loadFileSystem();
  await fs.mkdir(await directoryOf(path), { recursive: true });
  const temporary = `${path}.${processId()}.${Date.now()}.tmp`;
  const handle = await fs.open(temporary, "w", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
