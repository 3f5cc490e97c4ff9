import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { ConfigError, ModelMeshError, OpenAICompatibleProvider, create } from "../src/index.js";
import { resolveConfig } from "../src/core/config.js";
import { parseConfigText } from "../src/core/config-load.js";
import { ModelMesh } from "../src/core/mesh.js";
import { parseSse, type SseEvent } from "../src/wire/sse.js";
import { fromResponse } from "../src/provider/error-factory.js";
import { checkRequestBody, validateChatRequest } from "../src/core/request-checks.js";
import { InvalidRequestError } from "../src/wire/error-base.js";

// Property-based fuzzing of every parser that reads text someone else wrote: configuration, SSE, provider answers,
// provider errors, caller requests. Each must give a valid result or a typed ModelMesh error: never a TypeError,
// a RangeError, a hang, or a leaked secret. Runs are seeded: set FUZZ_SEED to replay; a failure prints its seed
// and counterexample path (fast-check's report), so any run can be reproduced.
const seed = process.env.FUZZ_SEED === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env.FUZZ_SEED);
// FUZZ_RUNS multiplies every run count, for a longer hunt than CI affords.
const scale = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (numRuns: number): fc.Parameters<unknown> => ({ seed, numRuns: Math.max(1, Math.round(numRuns * scale)), verbose: 1 });
vi.setConfig({ testTimeout: 30_000 * Math.max(1, scale) });

/** Words the parsers look for, so random input reaches deep branches instead of failing at the first key. */
const CONFIG_WORDS = [
  "providers", "pools", "defaults", "routing", "proxy", "secrets", "storage", "observability", "discovery", "version",
  "connector", "config", "instance", "enabled", "name", "capability", "strategy", "strategy_config", "retry", "max_retries",
  "same_model_retries", "base_delay_ms", "max_delay_ms", "jitter", "max_retry_after_ms", "deactivation", "failure_threshold",
  "recovery", "cooldown_ms", "backoff_multiplier", "max_cooldown_ms", "stream_failover", "timeout_ms", "models", "seed",
  "store", "budget", "chat-completion", "openai", "openai-compatible", "round-robin", "full", "none", "continue", "__proto__",
  "constructor", "generation.text-generation.chat-completion", "text-embeddings", "api_key", "base_url", "",
];

const leaf = fc.oneof(
  fc.constantFrom(...CONFIG_WORDS),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 100 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { tree: configTree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("tree"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...CONFIG_WORDS), tie("tree"), { maxKeys: 5 }),
  ),
}));

function expectOnly(error: unknown, ...types: Array<abstract new (...args: never[]) => Error>): void {
  if (!types.some((type) => error instanceof type)) throw new Error(`unexpected ${inspect(error)}`);
}

describe("fuzz: configuration", () => {
  it("resolveConfig and ModelMesh.validate give a configuration or a ConfigError for any object", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...CONFIG_WORDS), configTree, { maxKeys: 6 }), (raw) => {
        for (const run of [() => resolveConfig(raw), () => ModelMesh.validate({ config: raw })]) {
          try {
            run();
          } catch (error) {
            expectOnly(error, ConfigError);
          }
        }
      }),
      runs(250),
    );
  });

  it("parseConfigText gives an object or a ConfigError for any text (YAML and JSON)", async () => {
    // The yaml package reports unknown tags and directives as process warnings; thousands of them only bury the result.
    const warnings = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    onTestFinished(() => warnings.mockRestore());
    const yamlish = fc.array(fc.oneof(fc.constantFrom(...CONFIG_WORDS, ":", ": ", "\n", "  ", "- ", "{", "}", "[", "]", ",", "'", '"', "&a", "*a", "!!str", "#"), fc.string({ maxLength: 6 })), { maxLength: 40 }).map((parts) => parts.join(""));
    await fc.assert(
      fc.asyncProperty(fc.oneof(yamlish, fc.string(), fc.json()), async (text) => {
        try {
          const parsed = await parseConfigText(text);
          try {
            resolveConfig(parsed);
          } catch (error) {
            expectOnly(error, ConfigError);
          }
        } catch (error) {
          expectOnly(error, ConfigError);
        }
      }),
      runs(200),
    );
  });
});

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function eventsOf(chunks: Uint8Array[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of parseSse(streamOf(chunks))) events.push(event);
  return events;
}

/** Splits `bytes` at the given (sorted, de-duplicated) offsets. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const offsets = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    chunks.push(bytes.subarray(start, offset));
    start = offset;
  }
  return chunks;
}

const SSE_PIECES = ["data: ", "data:", "event: ", "id: ", "retry: 10", ": comment", "\n", "\r\n", "\r", "\n\n", "[DONE]", '{"choices":[]}', "é", "😀", "\u0000", "\uFEFF"];
const sseText = fc.array(fc.oneof(fc.constantFrom(...SSE_PIECES), fc.string({ maxLength: 8, unit: "grapheme" })), { maxLength: 60 }).map((parts) => parts.join(""));

describe("fuzz: SSE parser", () => {
  it("dispatches an event ended by a CR at the end of a network chunk (found by this fuzzer, seed 852959178)", async () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(await eventsOf([bytes("data: x\n"), bytes("\r"), bytes(" ")])).toEqual([{ data: "x" }]);
    expect(await eventsOf([bytes("data: x\r"), bytes("\ndata: y\r"), bytes("\r")])).toEqual([{ data: "x\ny" }]);
    expect(await eventsOf([bytes("data: a\r"), bytes("\r"), bytes("\n"), bytes("data: b\n\n")])).toEqual([{ data: "a" }, { data: "b" }]);
  });

  it("never throws, and yields the same events however the bytes are split (UTF-8 split mid-character included)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(sseText.map((text) => new TextEncoder().encode(text)), fc.uint8Array({ maxLength: 200 })),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (bytes, cuts) => {
          const whole = await eventsOf([bytes]);
          const pieces = await eventsOf(split(bytes, cuts));
          const byteByByte = await eventsOf(Array.from(bytes, (byte) => Uint8Array.of(byte)));
          expect(pieces).toEqual(whole);
          expect(byteByByte).toEqual(whole);
          for (const event of whole) expect(typeof event.data).toBe("string");
        },
      ),
      runs(200),
    );
  });
});

/** A provider whose transport answers with the fuzzed status, headers and body. */
function providerAnswering(answer: () => Response, secret: string) {
  return new OpenAICompatibleProvider({
    id: "fuzz",
    baseUrl: "http://127.0.0.1:9/v1",
    apiKey: secret,
    models: [{ id: "m" }],
    fetch: async () => answer(),
  });
}

const RESPONSE_WORDS = ["choices", "message", "delta", "content", "role", "finish_reason", "finishReason", "tool_calls", "usage", "prompt_tokens", "completion_tokens", "total_tokens", "promptTokens", "id", "created", "model", "index", "logprobs", "refusal", "data", "embedding", "object", "error", "text", "type", "__proto__", "constructor", "toString"];
const { tree: responseTree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.constantFrom(...RESPONSE_WORDS, "stop", "length", "end_turn", "assistant"), fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
    fc.array(tie("tree"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...RESPONSE_WORDS), tie("tree"), { maxKeys: 6 }),
  ),
}));

const FINISH = new Set(["stop", "length", "tool_calls", "content_filter", "function_call", null]);

function expectChatCompletion(value: unknown): void {
  const completion = value as { object: unknown; id: unknown; created: unknown; model: unknown; choices: Array<{ index: unknown; message: { role: unknown; content: unknown }; finish_reason: unknown }> };
  expect(completion.object).toBe("chat.completion");
  expect(typeof completion.id).toBe("string");
  expect(typeof completion.created).toBe("number");
  expect(typeof completion.model).toBe("string");
  expect(Array.isArray(completion.choices)).toBe(true);
  for (const choice of completion.choices) {
    expect(typeof choice.index).toBe("number");
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.content === null || typeof choice.message.content === "string").toBe(true);
    expect(FINISH.has(choice.finish_reason as string | null)).toBe(true);
  }
  // What the router hands the caller must survive JSON (the proxy writes it).
  JSON.stringify(value);
}

const secretArbitrary = fc.stringMatching(/^[A-Za-z0-9]{16,40}$/);

describe("fuzz: response normalisation through a provider", () => {
  it("chat: any 2xx body gives a valid ChatCompletion or a ModelMesh error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(responseTree.map((tree) => JSON.stringify(tree) ?? "null"), fc.string({ maxLength: 40 })), secretArbitrary, async (text, secret) => {
        const provider = providerAnswering(() => new Response(text, { status: 200, headers: { "content-type": "application/json" } }), secret);
        try {
          expectChatCompletion((await provider.chat({ model: "m", messages: [{ role: "user", content: "hi" }] })).body);
        } catch (error) {
          expectOnly(error, ModelMeshError);
        }
      }),
      runs(200),
    );
  });

  it("chat stream: any SSE body gives chunks or a ModelMesh error", async () => {
    const eventData = fc.oneof(responseTree.map((tree) => JSON.stringify(tree) ?? "null"), fc.constantFrom("[DONE]", "", "{", "null"));
    await fc.assert(
      fc.asyncProperty(fc.array(eventData, { maxLength: 6 }), secretArbitrary, async (datas, secret) => {
        const body = datas.map((data) => `data: ${data}\n\n`).join("");
        const provider = providerAnswering(() => new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } }), secret);
        try {
          const result = await provider.chatStream({ model: "m", messages: [{ role: "user", content: "hi" }] });
          for await (const chunk of result.body) {
            expect(chunk.object).toBe("chat.completion.chunk");
            expect(Array.isArray(chunk.choices)).toBe(true);
            JSON.stringify(chunk);
          }
        } catch (error) {
          expectOnly(error, ModelMeshError);
        }
      }),
      runs(200),
    );
  });

  it("embeddings and images: any 2xx body gives a valid answer or a ModelMesh error", async () => {
    await fc.assert(
      fc.asyncProperty(responseTree, secretArbitrary, async (tree, secret) => {
        const provider = providerAnswering(() => new Response(JSON.stringify(tree) ?? "null", { status: 200, headers: { "content-type": "application/json" } }), secret);
        try {
          const result = await provider.embeddings({ model: "m", input: "hi" });
          expect(result.body.object).toBe("list");
          expect(Array.isArray(result.body.data)).toBe(true);
        } catch (error) {
          expectOnly(error, ModelMeshError);
        }
        try {
          const result = await provider.images({ model: "m", prompt: "a cat" });
          expect(Array.isArray(result.body.data)).toBe(true);
        } catch (error) {
          expectOnly(error, ModelMeshError);
        }
      }),
      runs(120),
    );
  });
});

const ERROR_WORDS = ["error", "message", "code", "type", "param", "status", "details", "detail", "metadata", "raw", "@type", "type.googleapis.com/google.rpc.RetryInfo", "retryDelay", "loc", "msg", "error_code", "insufficient_quota", "overloaded_error", "context_length_exceeded", "rate_limit_exceeded", "RESOURCE_EXHAUSTED", "30s", "1.5s", "body", "__proto__"];
const { tree: errorTree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.constantFrom(...ERROR_WORDS), fc.string({ maxLength: 10 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
    fc.array(tie("tree"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...ERROR_WORDS), tie("tree"), { maxKeys: 5 }),
  ),
}));
const HEADER_NAMES = ["retry-after", "retry-after-ms", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens", "x-ratelimit-remaining-requests", "x-request-id", "authorization", "x-api-key", "set-cookie", "content-type", "__proto__"];
const headerValue = fc.oneof(fc.constantFrom("1", "0", "-1", "1e308", "NaN", "Infinity", "20ms", "6m0s", "Wed, 21 Oct 2015 07:28:00 GMT", ""), fc.string({ maxLength: 12 }));

/** Puts `secret` somewhere in a JSON value: a new field, an array item, or inside a string. */
function plant(value: unknown, secret: string, where: number): unknown {
  if (typeof value === "string") return `${value.slice(0, where % (value.length + 1))}${secret}${value.slice(where % (value.length + 1))}`;
  if (Array.isArray(value)) return value.length > 0 ? value.map((item, index) => (index === where % value.length ? plant(item, secret, where >> 1) : item)) : [secret];
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 0 || where % 3 === 0) return { ...value, echoed: `bad key ${secret}` };
    const key = keys[where % keys.length]!;
    return { ...value, [key]: plant((value as Record<string, unknown>)[key], secret, where >> 1) };
  }
  return { message: `Incorrect API key provided: ${secret}`, value };
}

describe("fuzz: error factory", () => {
  it("fromResponse gives a ModelMesh error for any status, body and headers, and never keeps the key", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 999 }),
        fc.oneof(errorTree, errorTree.map((tree) => JSON.stringify(tree) ?? ""), fc.string({ maxLength: 60 })),
        fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerValue, { maxKeys: 5 }),
        secretArbitrary,
        fc.nat(),
        (status, body, headers, secret, where) => {
          const planted = plant(body, secret, where);
          const error = fromResponse(status, planted, { ...headers, "x-echo": secret }, { providerId: "fuzz", modelId: "m", now: 1_700_000_000_000, secrets: [`${secret}\n`] });
          expect(error).toBeInstanceOf(ModelMeshError);
          expect(error.message.length).toBeLessThanOrEqual(1_001);
          const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
          if (retryAfter !== undefined) expect(Number.isFinite(retryAfter) && (retryAfter as number) >= 0).toBe(true);
          for (const surface of [error.message, JSON.stringify(error), inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })]) {
            expect(surface.includes(secret)).toBe(false);
          }
        },
      ),
      runs(300),
    );
  });
});

describe("fuzz: caller requests", () => {
  it("validateChatRequest accepts or throws InvalidRequestError for any value, and what it accepts serialises", () => {
    const { tree: requestTree } = fc.letrec<{ tree: unknown }>((tie) => ({
      tree: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.oneof(fc.constantFrom("user", "assistant", "system", "chat", "hi"), fc.string({ maxLength: 6 }), fc.double(), fc.bigInt(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
        fc.array(tie("tree"), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom("model", "messages", "role", "content", "stream", "stream_options", "tools", "metadata"), tie("tree"), { maxKeys: 5 }),
      ),
    }));
    fc.assert(
      fc.property(requestTree, (body) => {
        try {
          validateChatRequest(body, { maxDepth: 6, maxBytes: 300, maxModelLength: 5 });
          checkRequestBody(body, "the request", { maxDepth: 6, maxBytes: 300, maxModelLength: 5 });
          const text = JSON.stringify(body);
          expect(new TextEncoder().encode(text).byteLength).toBeLessThanOrEqual(300);
        } catch (error) {
          expectOnly(error, InvalidRequestError);
        }
      }),
      runs(300),
    );
  });
});

describe("fuzz: caller requests through a running mesh", () => {
  it("any request gives a completion or a typed error, and never counts against a model that always answers", async () => {
    let sent = 0;
    let served = 0;
    const answer = JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] });
    const client = create("chat-completion", {
      config: {
        providers: { fuzz: { connector: "openai-compatible", config: { base_url: "http://fuzz.invalid/v1", api_key: "fuzz-key-0123456789", models: [{ id: "m", capabilities: ["chat-completion"], context_window: 1_000_000 }] } } },
        pools: { chat: { capability: "chat-completion", retry: { max_retries: 0 } } },
      },
      fetch: async () => {
        sent += 1;
        return new Response(answer, { status: 200, headers: { "content-type": "application/json" } });
      },
      limits: { maxDepth: 8, maxBytes: 2_000, maxModelLength: 16 },
    });
    await client.ready();
    const word = fc.constantFrom("user", "assistant", "system", "tool", "chat", "m", "text", "image_url", "json_object", "hi");
    const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
      tree: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.oneof(word, fc.string({ maxLength: 6 }), fc.double(), fc.integer(), fc.bigInt(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
        fc.array(tie("tree"), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom("role", "content", "type", "text", "image_url", "url", "tools", "function", "name", "parameters", "max_tokens", "response_format", "stream", "stream_options", "user", "n"), tie("tree"), { maxKeys: 4 }),
      ),
    }));
    // Mostly well-formed messages with hostile contents, so most requests pass validation and reach the provider.
    const message = fc.oneof(
      { weight: 5, arbitrary: fc.record({ role: fc.constantFrom("user", "assistant", "system", "developer", "tool"), content: tree, name: tree }, { requiredKeys: ["role"] }) },
      { weight: 1, arbitrary: tree },
    );
    const request = fc.record(
      {
        model: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("chat", "m", "chat-completion") }, { weight: 1, arbitrary: fc.oneof(word, fc.string({ maxLength: 30 }), fc.integer()) }),
        messages: fc.oneof({ weight: 5, arbitrary: fc.array(message, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: tree }),
        extra: tree,
      },
      { requiredKeys: ["messages"] },
    );
    try {
      await fc.assert(
        fc.asyncProperty(request, async ({ extra, ...body }) => {
          const before = { sent, described: JSON.stringify(client.describe()) };
          const withExtra = typeof extra === "object" && extra !== null && !Array.isArray(extra) ? { ...(extra as object), ...body } : body;
          try {
            const result = await client.chat.completions.create(withExtra as never);
            served += 1;
            if (Symbol.asyncIterator in (result as object)) for await (const _chunk of result as AsyncIterable<unknown>) void _chunk;
          } catch (error) {
            expectOnly(error, ModelMeshError);
            if (error instanceof InvalidRequestError) {
              expect(sent).toBe(before.sent);
              expect(JSON.stringify(client.describe())).toBe(before.described);
            }
          }
          const model = client.describe().pools.chat!.models[0]!;
          expect(model.failures, model.lastError).toBe(0);
          expect(model.status).toBe("active");
        }),
        runs(200),
      );
      // The property means little unless many requests got through validation to the provider.
      expect(served).toBeGreaterThan(10);
    } finally {
      await client.close();
    }
  });
});
