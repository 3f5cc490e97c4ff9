// Run by keyring-secrets.test.ts in a child process whose D-Bus session address leads nowhere: prints what
// open() and get() throw, as JSON, so the test can check the error a person sees on a machine with no keyring.
import { KeyringSecretStore } from "../../src/node/keyring-secrets.js";

const store = new KeyringSecretStore({ service: "modelmesh-unavailable-probe" });
const outcome = async (action: () => Promise<unknown>) =>
  action().then(
    () => ({ ok: true }),
    (error: { name?: string; reason?: string; code?: string; message?: string }) => ({ ok: false, name: error.name, reason: error.reason, code: error.code, message: error.message }),
  );
console.log(JSON.stringify({ open: await outcome(() => store.open()), get: await outcome(() => store.get("OPENAI_API_KEY")) }));
