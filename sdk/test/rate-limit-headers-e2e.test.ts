import { afterEach, describe, expect, it } from "vitest";
import { create } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeAnthropic } from "./fakes/anthropic.js";
import { startFakeCohere } from "./fakes/cohere.js";
import type { FakeControls } from "./fakes/fake-kit.js";
import { startFakeGemini } from "./fakes/gemini.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { startFakeService } from "./fakes/openai-compatible-services.js";
import { testClock } from "./support/mesh.js";

// Rate-limit awareness fed by each service's own headers, through the real router: provider A's fake reports its
// quota in the headers that service really sends; when A says it has no request left, the next request goes to B,
// and once A's reset time has passed A is used again. A 429 carrying the service's own wait (Gemini's RetryInfo
// in the body, Anthropic's retry-after, OpenAI's x-ratelimit-reset-requests) becomes A's cooldown, to the
// millisecond. The mesh runs on a test clock that starts at the real time, since the fakes' resets are real dates.

interface Family {
  connector: string;
  model: string;
  /** A fake whose quota is two requests a minute, reported in the service's own headers. */
  start(): Promise<FakeControls>;
}

const FAMILIES: Record<string, Family> = {
  // anthropic-ratelimit-requests-{limit,remaining,reset}, the reset an RFC 3339 date.
  anthropic: { connector: "anthropic", model: "claude-haiku-4-5", start: () => startFakeAnthropic({ rateLimit: { requests: 2 } }) },
  // A trial key: x-trial-endpoint-call-{limit,remaining} (per minute, no reset header).
  cohere: { connector: "cohere", model: "command-a-03-2025", start: () => startFakeCohere({ rateLimit: { requests: 2 } }) },
  // x-ratelimit-{limit,remaining}-req-minute (no reset header).
  mistral: { connector: "mistral", model: "mistral-small-latest", start: () => startFakeService("mistral", { rateLimit: { requests: 2 } }) },
  // x-ratelimit-{limit,remaining,reset}-requests, the reset a Go duration.
  groq: { connector: "groq", model: "llama-3.3-70b-versatile", start: () => startFakeService("groq", { rateLimit: { requests: 2 } }) },
  // x-ratelimit-{limit,remaining,reset} (one window, the reset in seconds) and x-tokenlimit-*.
  together: { connector: "together", model: "meta-llama/Llama-3.3-70B-Instruct-Turbo", start: () => startFakeService("together", { rateLimit: { requests: 2 } }) },
};

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

const hello = [{ role: "user" as const, content: "Hi" }];

async function meshOf(a: { connector: string; url: string; model: string }, b: { connector: string; url: string; model: string }) {
  const clock = testClock(Date.now());
  const client = create("chat-completion", {
    config: {
      providers: {
        a: { connector: a.connector, config: { base_url: a.url, api_key: "test-key-a-000000000000" } },
        b: { connector: b.connector, config: { base_url: b.url, api_key: "test-key-b-000000000000" } },
      },
      pools: { chat: { capability: "chat-completion", strategy: "rate-limit-aware", strategy_config: { prefer: "order" }, models: [a.model, b.model], retry: { max_retries: 0 } } },
    },
    clock,
  } as never) as MeshClient;
  open.push(client);
  const served = async (count = 1) => {
    const models: string[] = [];
    // OpenAI answers with the dated snapshot (gpt-4o-mini-2024-07-18): the pool names the alias.
    for (let index = 0; index < count; index++) models.push((await client.chat.completions.create({ model: "chat", messages: hello })).model.replace(/-\d{4}-\d{2}-\d{2}$/, ""));
    return models;
  };
  const cooldownOf = (model: string) => client.describe().pools["chat"]?.models.find((entry) => entry.model === model)?.cooldownUntil;
  return { client, clock, served, cooldownOf };
}

async function fallback(): Promise<FakeOpenAI> {
  const fake = await startFakeOpenAI({ name: "b" });
  open.push(fake);
  return fake;
}

const chatRequests = (fake: { requests: Array<{ path: string }> }) => fake.requests.filter((request) => /\/(chat\/completions|messages|chat)$|generateContent/.test(request.path)).length;

describe("a provider's own quota headers move requests to another model until its reset", () => {
  for (const [name, family] of Object.entries(FAMILIES)) {
    it(`${name}: no request left → the next goes to B; after the reset → back to ${name}`, async () => {
      const a = await family.start();
      open.push(a);
      const b = await fallback();
      const mesh = await meshOf({ connector: family.connector, url: a.url, model: family.model }, { connector: "openai", url: b.url, model: "gpt-4o-mini" });
      // Two of two requests used: the second answer reports none left.
      expect(await mesh.served(3)).toEqual([family.model, family.model, "gpt-4o-mini"]);
      expect(chatRequests(a)).toBe(2);
      // Every quota here resets within a minute of the answer that reported it.
      mesh.clock.advance(61_000);
      expect(await mesh.served(1)).toEqual([family.model]);
      expect(chatRequests(a)).toBe(3);
      expect(chatRequests(b)).toBe(1);
    });
  }
});

describe("a 429 carrying the service's own wait becomes the model's cooldown", () => {
  it("Gemini: RESOURCE_EXHAUSTED with RetryInfo retryDelay 34.4s in the body (it sends no quota headers)", async () => {
    const gemini = await startFakeGemini();
    open.push(gemini);
    const b = await fallback();
    const mesh = await meshOf({ connector: "gemini", url: gemini.url, model: "gemini-2.5-flash" }, { connector: "openai", url: b.url, model: "gpt-4o-mini" });
    gemini.enqueue({ kind: "error", status: 429 });
    const start = mesh.clock.now();
    expect(await mesh.served(2)).toEqual(["gpt-4o-mini", "gpt-4o-mini"]);
    expect(mesh.cooldownOf("gemini-2.5-flash")).toBe(new Date(start + 34_400).toISOString());
    expect(chatRequests(gemini)).toBe(1);
    mesh.clock.advance(34_400);
    expect(await mesh.served(1)).toEqual(["gemini-2.5-flash"]);
  });

  it("Anthropic: rate_limit_error with retry-after: 12", async () => {
    const anthropic = await startFakeAnthropic();
    open.push(anthropic);
    const b = await fallback();
    const mesh = await meshOf({ connector: "anthropic", url: anthropic.url, model: "claude-haiku-4-5" }, { connector: "openai", url: b.url, model: "gpt-4o-mini" });
    anthropic.enqueue({ kind: "error", status: 429 });
    const start = mesh.clock.now();
    expect(await mesh.served(1)).toEqual(["gpt-4o-mini"]);
    expect(anthropic.requests.at(-1)?.path).toBe("/v1/messages");
    expect(mesh.cooldownOf("claude-haiku-4-5")).toBe(new Date(start + 12_000).toISOString());
    mesh.clock.advance(12_000);
    expect(await mesh.served(1)).toEqual(["claude-haiku-4-5"]);
  });

  it("OpenAI style: no retry-after, x-ratelimit-remaining-requests 0 and x-ratelimit-reset-requests 6m0s", async () => {
    const openai = await startFakeOpenAI({ name: "a" });
    open.push(openai);
    const groq = await startFakeService("groq");
    open.push(groq);
    const mesh = await meshOf({ connector: "openai", url: openai.url, model: "gpt-4o-mini" }, { connector: "groq", url: groq.url, model: "llama-3.3-70b-versatile" });
    openai.enqueue({ kind: "error", status: 429, withoutHeaders: ["retry-after"], headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0s" } });
    const start = mesh.clock.now();
    expect(await mesh.served(1)).toEqual(["llama-3.3-70b-versatile"]);
    expect(mesh.cooldownOf("gpt-4o-mini")).toBe(new Date(start + 360_000).toISOString());
    mesh.clock.advance(359_000);
    expect(await mesh.served(1)).toEqual(["llama-3.3-70b-versatile"]);
    mesh.clock.advance(1_000);
    expect(await mesh.served(1)).toEqual(["gpt-4o-mini"]);
  });
});
