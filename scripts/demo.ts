/**
 * The offline demo: a mesh over two local fake OpenAI-compatible providers, a few routed requests, one
 * retried failure, one failover and the pool status. Nothing leaves 127.0.0.1. `npm start` runs it before serving.
 */
import { pathToFileURL } from "node:url";
import { CallbackObservability, create, type MeshClient, type MeshEvent } from "modelmesh";
import { startOfflineProviders, type OfflineProviders } from "../sdk/test/fakes/demo-providers.js";

/** Routes a few requests through `client`, shows one failover, prints the pool status. */
export async function runDemo(client: MeshClient, providers: OfflineProviders, log: (line: string) => void, events: MeshEvent[] = []): Promise<void> {
  const [alpha] = providers.fakes;
  const ask = async (question: string) => {
    const response = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: question }] });
    return `${response.choices[0]?.message.content} (served by ${response.model})`;
  };
  log(`1. A routed request: ${await ask("What is ModelMesh?")}`);
  // The demo pool retries a model once (max_retries: 1): two 503s use up alpha's tries.
  for (let time = 0; time < 2; time++) alpha!.enqueue({ kind: "error", status: 503 });
  const before = events.length;
  log("2. fake-alpha will now answer 503 (overloaded) twice...");
  log(`   The request is retried on alpha after a backoff, then fails over: ${await ask("Are you still there?")}`);
  const attempts = events.slice(before).filter((event) => event.type === "attempt-end");
  log(`   Attempts: ${attempts.map((event) => `${event.provider}/${event.model} ${event.ok ? "ok" : (event.error?.code ?? "failed")}`).join(" -> ")}`);
  let streamed = "";
  for await (const chunk of await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Stream me a line" }], stream: true })) {
    streamed += chunk.choices[0]?.delta.content ?? "";
  }
  log(`3. A streamed answer: ${streamed}`);
  const embedding = await client.embeddings.create({ model: "text-embeddings", input: "hello" });
  log(`4. Embeddings: ${embedding.data[0]!.embedding.length} dimensions from ${embedding.model}`);
  log(`5. poolStatus(): ${JSON.stringify(client.poolStatus())}`);
  const usage = client.usage;
  log(`6. usage: ${usage.requests} requests, ${usage.totalTokens} tokens, $${usage.totalCost.toFixed(6)} by the demo's prices`);
}

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  log("ModelMesh offline demo: running on LOCAL FAKE providers on 127.0.0.1; no real provider is called and no key is needed.");
  const providers = await startOfflineProviders();
  for (const fake of providers.fakes) log(`   fake provider at ${fake.url}`);
  const events: MeshEvent[] = [];
  const sink = new CallbackObservability({ callback: (event) => void events.push(event), logLevel: "metadata", minSeverity: "debug" });
  const client = create({ config: providers.config, observability: { instance: sink } });
  try {
    await runDemo(client, providers, log, events);
  } finally {
    await client.close();
    await providers.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
