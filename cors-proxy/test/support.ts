import { connect } from "node:net";
import OpenAI from "openai";
import { create, PrometheusObservability, type MeshClient } from "modelmesh";
import { startFakeOpenAI, type FakeOpenAI } from "../../sdk/test/fakes/openai.js";
import { startProxyServer, type ProxyServer, type ProxyServerOptions } from "../src/node-adapter.js";
import { createNodeFetch } from "modelmesh/node-fetch";

export const CHAT = "generation.text-generation.chat-completion";
const EMBEDDINGS = "representation.embeddings.text-embeddings";
const SPEECH = "generation.audio-generation.text-to-speech";
const TRANSCRIPTION = "understanding.audio-understanding.speech-to-text";
const IMAGES = "generation.image-generation.text-to-image";

/** A key shaped like a real one, so leaks are caught by exact match and by shape. */
export const PROVIDER_KEY_A = "sk-proj-ProxyTestKeyA0123456789abcdefghijklmnopqrstuvwxyzABCD";
export const PROVIDER_KEY_B = "sk-proj-ProxyTestKeyB0123456789abcdefghijklmnopqrstuvwxyzABCD";
export const TOKEN = "proxy-token-0123456789abcdef";

/** Two fake providers and the mesh configuration over them: "chat" over both, every other operation on "a". */
export async function startMeshFakes() {
  const a = await startFakeOpenAI({ name: "fake-a", models: ["alpha", "alpha-embed", "tts-1", "whisper-1", "dall-e-3"] });
  const b = await startFakeOpenAI({ name: "fake-b", models: ["beta"] });
  const config = {
    providers: {
      a: {
        connector: "openai-compatible",
        config: {
          base_url: a.url,
          api_key: PROVIDER_KEY_A,
          models: [
            { id: "alpha", capabilities: [CHAT], pricing: { input: 1, output: 2 } },
            { id: "alpha-embed", capabilities: [EMBEDDINGS] },
            { id: "tts-1", capabilities: [SPEECH] },
            { id: "whisper-1", capabilities: [TRANSCRIPTION] },
            { id: "dall-e-3", capabilities: [IMAGES] },
          ],
        },
      },
      b: { connector: "openai-compatible", config: { base_url: b.url, api_key: PROVIDER_KEY_B, models: [{ id: "beta", capabilities: [CHAT] }] } },
    },
    pools: { chat: { capability: "chat-completion", strategy: "stick-until-failure", retry: { max_retries: 0 } } },
  };
  return { a, b, config, close: async () => void (await Promise.all([a.close(), b.close()])) };
}

export interface MeshProxy {
  a: FakeOpenAI;
  b: FakeOpenAI;
  client: MeshClient;
  server: ProxyServer;
  metrics: PrometheusObservability;
  url: string;
  openai(apiKey?: string): OpenAI;
  close(): Promise<void>;
}

/** Fakes, a mesh over them and the proxy in front, on 127.0.0.1. */
export async function startMeshProxy(options: Partial<ProxyServerOptions> = {}): Promise<MeshProxy> {
  const fakes = await startMeshFakes();
  const metrics = new PrometheusObservability({ minSeverity: "debug" });
  // The providers' transport the CLI gives the mesh, so every proxy test runs the production stack.
  const client = create({ config: fakes.config, observability: { instance: metrics }, fetch: createNodeFetch() });
  await client.ready();
  const server = await startProxyServer({ mesh: client, port: 0, meshMetrics: metrics, tokens: [TOKEN], ...options });
  return {
    a: fakes.a,
    b: fakes.b,
    client,
    server,
    metrics,
    url: server.url,
    openai: (apiKey = TOKEN) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 }),
    close: async () => {
      await server.close(100);
      await client.close();
      await fakes.close();
    },
  };
}

/**
 * A raw HTTP/1.1 exchange over a socket, like curl: headers exactly as written, the whole reply as text.
 * Send `Connection: close` so the server ends the exchange.
 */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    const parts: Buffer[] = [];
    socket.on("data", (part: Buffer) => parts.push(part));
    socket.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    socket.on("error", reject);
  });
}

/** Every header and the body of a fetch response as one string, to search for leaks. */
export async function everything(response: Response): Promise<string> {
  return `${[...response.headers].map(([name, value]) => `${name}: ${value}`).join("\n")}\n\n${await response.text()}`;
}
