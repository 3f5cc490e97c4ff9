// A mesh in its own process, to be killed with SIGKILL mid-request by budget-crash.test.ts: it serves `settled`
// requests one after another, then starts `inFlight` more at once and waits (the fake holds them) until killed.
// argv: <storage JSON> <fake base URL> <settled> <inFlight> <daily limit>
import { create } from "../../src/index.js";
import { CHAT } from "./mesh.js";

const [storageJson, baseUrl, settledText, inFlightText, limitText] = process.argv.slice(2);
const client = create({
  config: {
    providers: {
      a: { connector: "openai-compatible", config: { base_url: baseUrl, api_key: "sk-test-key-crash-000000", models: [{ id: "alpha", capabilities: [CHAT], pricing: { input: 0, output: 1000 } }] } },
    },
    pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 } } },
    budget: { daily_limit: Number(limitText) },
    storage: JSON.parse(storageJson!),
  },
  // Statistics are written in batches; a minute means the crash comes before any: only the journal holds spend.
  persistDelayMs: 60_000,
});
const ask = { model: "chat", messages: [{ role: "user" as const, content: "Hello there" }], max_tokens: 8 };
await client.ready();
for (let index = 0; index < Number(settledText); index++) {
  await client.chat.completions.create(ask);
  process.stdout.write(`settled ${index + 1}\n`);
}
for (let index = 0; index < Number(inFlightText); index++) void client.chat.completions.create(ask).catch(() => undefined);
process.stdout.write("in flight\n");
setInterval(() => undefined, 60_000);
