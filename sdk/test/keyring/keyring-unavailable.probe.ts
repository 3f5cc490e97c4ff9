// Run by keyring-secrets.test.ts in a child process whose D-Bus session address leads nowhere: prints what
// open() and get() throw, as JSON, so the test can check the error a person sees on a machine with no keyring.
import { KeyringSecretStore } from "../../src/node/keyring-secrets.js";
import { create } from "../../src/index.js";

const store = new KeyringSecretStore({ service: "modelmesh-unavailable-probe" });
const outcome = async (action: () => Promise<unknown>) =>
  action().then(
    () => ({ ok: true }),
    (error: { name?: string; reason?: string; code?: string; message?: string }) => ({ ok: false, name: error.name, reason: error.reason, code: error.code, message: error.message }),
  );
// A mesh whose providers need no secret still fails start: the store named in the configuration cannot work.
const client = create({
  config: { secrets: { store: "keyring" }, providers: { corp: { connector: "openai-compatible", config: { base_url: "http://127.0.0.1:9/v1", api_key: "literal", models: [{ id: "m", capabilities: ["chat-completion"] }] } } } },
});
const start = await outcome(() => client.ready());
console.log(JSON.stringify({ open: await outcome(() => store.open()), get: await outcome(() => store.get("OPENAI_API_KEY")), start }));
