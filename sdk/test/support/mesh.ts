import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "../fakes/openai.js";
import type { CreateOptions } from "../../src/core/mesh.js";

export const CHAT = "generation.text-generation.chat-completion";
export const EMBEDDINGS = "representation.embeddings.text-embeddings";

/** Two fake OpenAI servers ("a" serves alpha, "b" serves beta) for routing tests over real HTTP. */
export async function startPair(options: { a?: FakeOpenAIOptions; b?: FakeOpenAIOptions } = {}) {
  const a = await startFakeOpenAI({ name: "a", models: ["alpha", "alpha-embed"], ...options.a });
  const b = await startFakeOpenAI({ name: "b", models: ["beta", "beta-embed"], ...options.b });
  return { a, b, close: () => Promise.all([a.close(), b.close()]) };
}

export function providerBlock(fake: FakeOpenAI, chatModel: string, embedModel: string, apiKey: string, extra: Record<string, unknown> = {}) {
  return {
    connector: "openai-compatible",
    config: {
      base_url: fake.url,
      api_key: apiKey,
      models: [
        { id: chatModel, capabilities: [CHAT], features: { tools: true, vision: true, json_mode: true, streaming: true }, pricing: { input: 1, output: 2 }, ...extra },
        { id: embedModel, capabilities: [EMBEDDINGS], pricing: { input: 0.1 } },
      ],
    },
  };
}

/** An openai-compatible provider block for `fake`, listing `models` as chat models (no prices). */
export function chatProvider(fake: FakeOpenAI, apiKey: string, models: string[]) {
  return { connector: "openai-compatible", config: { base_url: fake.url, api_key: apiKey, models: models.map((id) => ({ id, capabilities: [CHAT] })) } };
}

/** A controllable clock: `sleep` records the wait and moves time on, so backoff never slows a test. */
export function testClock(start = 1_700_000_000_000) {
  const clock = {
    time: start,
    sleeps: [] as number[],
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.time += ms;
    },
    random: () => 0.5,
    advance: (ms: number) => {
      clock.time += ms;
    },
  };
  return clock;
}

export function pairConfig(pair: { a: FakeOpenAI; b: FakeOpenAI }, pool: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): CreateOptions["config"] {
  return {
    providers: {
      a: providerBlock(pair.a, "alpha", "alpha-embed", "sk-test-key-a-0000000000"),
      b: providerBlock(pair.b, "beta", "beta-embed", "sk-test-key-b-1111111111"),
    },
    pools: {
      chat: { capability: "chat-completion", strategy: "stick-until-failure", retry: { max_retries: 1, base_delay_ms: 10 }, ...pool },
    },
    ...extra,
  };
}

export const hello = [{ role: "user" as const, content: "Hello there" }];
