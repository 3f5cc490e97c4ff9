/**
 * The offline demo: two local fake OpenAI-compatible providers, a mesh over them, a few routed
 * requests, one failover and the pool status. Nothing leaves 127.0.0.1.
 * `startDemoProviders()` is reused by the proxy's offline mode.
 */
import { pathToFileURL } from "node:url";
import { CallbackObservability, create, type MeshClient, type MeshEvent } from "modelmesh";
import { startFakeOpenAI, type FakeOpenAI } from "../sdk/test/fakes/openai.js";

const CHAT = "generation.text-generation.chat-completion";

export interface DemoProviders {
  fakes: FakeOpenAI[];
  /** A mesh configuration over the fakes: a chat pool over both, and every other capability. */
  config: Record<string, unknown>;
  close(): Promise<void>;
}

/** Starts two fake providers on 127.0.0.1 and returns a configuration that routes over them. */
export async function startDemoProviders(): Promise<DemoProviders> {
  const alpha = await startFakeOpenAI({ name: "fake-alpha", models: ["alpha-chat", "text-embedding-3-small", "tts-1", "whisper-1", "dall-e-3"] });
  const beta = await startFakeOpenAI({ name: "fake-beta", models: ["beta-chat", "text-embedding-3-small"] });
  const provider = (fake: FakeOpenAI, chatModel: string, extra: object[]) => ({
    connector: "openai-compatible",
    config: {
      base_url: fake.url,
      api_key: "sk-offline-demo-not-a-real-key",
      models: [{ id: chatModel, capabilities: [CHAT], features: { tools: true, json_mode: true }, pricing: { input: 0.15, output: 0.6 } }, ...extra],
    },
  });
  const config = {
    providers: {
      "fake-alpha": provider(alpha, "alpha-chat", [
        { id: "text-embedding-3-small", capabilities: ["representation.embeddings.text-embeddings"], pricing: { input: 0.02 } },
        { id: "tts-1", capabilities: ["generation.audio-generation.text-to-speech"] },
        { id: "whisper-1", capabilities: ["understanding.audio-understanding.speech-to-text"] },
        { id: "dall-e-3", capabilities: ["generation.image-generation.text-to-image"] },
      ]),
      "fake-beta": provider(beta, "beta-chat", [{ id: "text-embedding-3-small", capabilities: ["representation.embeddings.text-embeddings"], pricing: { input: 0.02 } }]),
    },
    pools: {
      chat: { capability: "chat-completion", strategy: "stick-until-failure", retry: { max_retries: 1, base_delay_ms: 50 } },
    },
  };
  return { fakes: [alpha, beta], config, close: async () => void (await Promise.all([alpha.close(), beta.close()])) };
}

/** Routes a few requests through `client`, shows one failover, prints the pool status. */
export async function runDemo(client: MeshClient, providers: DemoProviders, log: (line: string) => void, events: MeshEvent[] = []): Promise<void> {
  const [alpha] = providers.fakes;
  const ask = async (question: string) => {
    const response = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: question }] });
    return `${response.choices[0]?.message.content} (served by ${response.model})`;
  };
  log(`1. A routed request: ${await ask("What is ModelMesh?")}`);
  alpha!.enqueue({ kind: "error", status: 503 });
  const before = events.length;
  log("2. fake-alpha will now answer 503 (overloaded) once...");
  log(`   The same request fails over at once: ${await ask("Are you still there?")}`);
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
  const providers = await startDemoProviders();
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
