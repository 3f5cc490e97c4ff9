import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create } from "../src/index.js";
import {
  AllProvidersExhaustedError,
  AuthenticationError,
  NoCapableModelError,
  ProviderError,
  RateLimitError,
} from "../src/wire/errors.js";
import type { MeshEvent } from "../src/wire/events.js";
import { CallbackObservability } from "../src/observability/callback.js";
import { wireValidator } from "./wire-schema.js";
import { hello, pairConfig, startPair, testClock } from "./support/mesh.js";

const wire = wireValidator();
let pair: Awaited<ReturnType<typeof startPair>>;

beforeEach(async () => {
  pair = await startPair();
});
afterEach(async () => {
  await pair.close();
});

function client(pool: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, clock = testClock()) {
  const events: MeshEvent[] = [];
  const mesh = create({
    config: pairConfig(pair, pool, extra),
    clock,
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), logLevel: "full", minSeverity: "debug" }) },
  });
  return { mesh, clock, events };
}

describe("routing over real HTTP", () => {
  it("sends the caller's OpenAI request unchanged but for the concrete model, and names the model that served", async () => {
    const { mesh } = client();
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello, temperature: 0.2, max_tokens: 50, seed: 1, stop: ["END"] });
    expect(response.choices[0]?.message.content).toBe("Hello from alpha: Hello there");
    expect(response.model).toMatch(/^alpha/);
    const sent = pair.a.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe("Bearer sk-test-key-a-0000000000");
    expect(sent.body).toEqual({ model: "alpha", messages: hello, temperature: 0.2, max_tokens: 50, seed: 1, stop: ["END"] });
    if (wire) {
      expect(wire.validate("request.chat", sent.body)).toEqual([]);
      expect(wire.validate("response.chat", response)).toEqual([]);
    }
    await mesh.close();
  });

  it("resolves model as pool name, capability alias, capability path, model id and provider/model key", async () => {
    const { mesh } = client();
    for (const model of ["chat", "chat-completion", "generation.text-generation.chat-completion", "beta", "b/beta"]) {
      const response = await mesh.chat.completions.create({ model, messages: hello });
      expect(response.choices[0]?.message.content).toContain("Hello from");
    }
    expect(pair.b.requests.filter((request) => request.path.endsWith("/chat/completions"))).toHaveLength(2);
    await expect(mesh.chat.completions.create({ model: "no-such-thing", messages: hello })).rejects.toBeInstanceOf(NoCapableModelError);
    await mesh.close();
  });

  it("fails over within the same request when a model returns 500, and lists nothing to the caller", async () => {
    // No same-model retries: the failover itself is under test.
    const { mesh, events } = client({ retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "error", status: 500 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^beta/);
    expect(pair.a.requests).toHaveLength(1);
    expect(pair.b.requests).toHaveLength(1);
    const attempts = events.filter((event) => event.type === "attempt-end");
    expect(attempts.map((event) => (event as { ok: boolean }).ok)).toEqual([false, true]);
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ requests: 0, failures: 1 });
    expect(mesh.usage.byModel["b/beta"]).toMatchObject({ requests: 1, failures: 0 });
    expect(mesh.usage.requests).toBe(1);
    await mesh.close();
  });

  it("fails over on model-specific errors (404 model_not_found) and takes that model out", async () => {
    const { mesh } = client();
    pair.a.enqueue({ kind: "error", status: 404 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^beta/);
    expect(mesh.poolStatus().chat).toEqual({ active: 1, standby: 1, total: 2 });
    await mesh.close();
  });

  it("does not fail over a request the service rejects as malformed (400)", async () => {
    const { mesh } = client();
    pair.a.enqueue({ kind: "error", status: 400 });
    const error = await mesh.chat.completions.create({ model: "chat", messages: hello }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(400);
    expect(pair.b.requests).toHaveLength(0);
    await mesh.close();
  });

  it("takes every model of a rejected key out (401) and serves from the other key", async () => {
    const { mesh, events } = client({ models: undefined }, {}, testClock());
    pair.a.setMode({ kind: "error", status: 401 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^beta/);
    const status = mesh.describe().pools;
    expect(status["chat"]!.models.find((model) => model.model === "alpha")!.status).toBe("disabled");
    // The embeddings model shares the key: it is out too, without ever being called.
    expect(status["text-embeddings"]!.models.find((model) => model.model === "alpha-embed")!.status).toBe("disabled");
    expect(events.some((event) => event.type === "key-disabled")).toBe(true);
    await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(pair.a.requests).toHaveLength(1);
    await mesh.close();
  });

  it("raises AllProvidersExhaustedError listing every attempt when all fail", async () => {
    const { mesh, clock } = client({ retry: { max_retries: 1, base_delay_ms: 100, jitter: "none" } });
    pair.a.setMode({ kind: "error", status: 503 });
    pair.b.setMode({ kind: "error", status: 500 });
    const error = (await mesh.chat.completions.create({ model: "chat", messages: hello }).catch((caught: unknown) => caught)) as AllProvidersExhaustedError;
    expect(error).toBeInstanceOf(AllProvidersExhaustedError);
    // Each model is retried once (max_retries: 1) before the request moves on: (1 + 1) × 2 attempts, no more.
    expect(error.failures.map((attempt) => `${attempt.provider}/${attempt.model}`)).toEqual(["a/alpha", "a/alpha", "b/beta", "b/beta"]);
    expect(pair.a.requests).toHaveLength(2);
    expect(pair.b.requests).toHaveLength(2);
    expect(error.failures.every((attempt) => attempt.error instanceof ProviderError)).toBe(true);
    expect(error.lastError).toBe(error.failures[3]!.error);
    expect(error.errors).toHaveLength(4);
    expect(error.retryable).toBe(true);
    // One backoff before each same-model retry.
    expect(clock.sleeps).toEqual([100, 100]);
    await mesh.close();
  });

  it("honours retry-after before retrying a rate-limited single model", async () => {
    const { mesh, clock } = client({ models: ["alpha"], retry: { max_retries: 2, base_delay_ms: 5, jitter: "none" } });
    pair.a.enqueue({ kind: "error", status: 429, headers: { "retry-after": "2" } });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^alpha/);
    expect(pair.a.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([2000]);
    await mesh.close();
  });

  it("does not wait when the server asks for longer than max_retry_after_ms", async () => {
    const { mesh, clock } = client({ models: ["alpha"], retry: { max_retries: 2, max_retry_after_ms: 1000 } });
    pair.a.enqueue({ kind: "error", status: 429, headers: { "retry-after": "30" } });
    const error = (await mesh.chat.completions.create({ model: "chat", messages: hello }).catch((caught: unknown) => caught)) as RateLimitError;
    // Every attempt was rate limited: the caller gets one RateLimitError summing them up.
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.attempts).toBe(1);
    expect(error.lastError).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(30);
    expect(clock.sleeps).toEqual([]);
    await mesh.close();
  });

  it("retries the same model with exponential backoff before moving on", async () => {
    const { mesh, clock } = client({ retry: { max_retries: 2, base_delay_ms: 40, jitter: "none" } });
    pair.a.enqueue({ kind: "error", status: 502 });
    pair.a.enqueue({ kind: "error", status: 503 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^alpha/);
    expect(pair.a.requests).toHaveLength(3);
    expect(pair.b.requests).toHaveLength(0);
    expect(clock.sleeps).toEqual([40, 80]);
    await mesh.close();
  });

  it("cools a model down after the failure threshold and brings it back through a real probe", async () => {
    const { mesh, clock, events } = client({ strategy: "round-robin", retry: { max_retries: 0 }, deactivation: { failure_threshold: 2 }, recovery: { cooldown_ms: 10_000 } });
    pair.a.setMode({ kind: "error", status: 500 });
    await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(mesh.poolStatus().chat!.active).toBe(2);
    await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(mesh.poolStatus().chat).toEqual({ active: 1, standby: 1, total: 2 });
    expect(events.some((event) => event.type === "model-deactivated")).toBe(true);
    // While cooling, alpha is not tried at all.
    const before = pair.a.requests.length;
    await mesh.chat.completions.create({ model: "alpha", messages: hello }).catch(() => undefined);
    expect(pair.a.requests.length).toBe(before);
    // After the cooldown one real request probes it; a failed probe doubles the cooldown.
    clock.advance(10_001);
    await mesh.chat.completions.create({ model: "alpha", messages: hello }).catch(() => undefined);
    expect(pair.a.requests.length).toBe(before + 1);
    const cooling = mesh.describe().pools["chat"]!.models.find((model) => model.model === "alpha")!;
    expect(Date.parse(cooling.cooldownUntil!)).toBe(clock.time + 20_000);
    // A successful probe brings it back.
    pair.a.reset();
    clock.advance(20_001);
    const response = await mesh.chat.completions.create({ model: "alpha", messages: hello });
    expect(response.model).toMatch(/^alpha/);
    expect(mesh.poolStatus().chat).toEqual({ active: 2, standby: 0, total: 2 });
    expect(events.some((event) => event.type === "model-recovered")).toBe(true);
    await mesh.close();
  });

  it("lets exactly one of many concurrent requests probe a half-open model", async () => {
    const { mesh, clock } = client({ strategy: "priority", strategy_config: { priorities: ["alpha", "beta"] }, retry: { max_retries: 0 }, deactivation: { failure_threshold: 1 }, recovery: { cooldown_ms: 1000 } });
    pair.a.enqueue({ kind: "error", status: 500 });
    await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(mesh.poolStatus().chat).toEqual({ active: 1, standby: 1, total: 2 });
    clock.advance(1001);
    pair.a.reset();
    // The probe answers slowly, so the other nine requests arrive while it is in flight.
    pair.a.enqueue({ kind: "slow", delayMs: 150 });
    const responses = await Promise.all(Array.from({ length: 10 }, () => mesh.chat.completions.create({ model: "chat", messages: hello })));
    expect(pair.a.requests).toHaveLength(1);
    expect(responses.filter((response) => response.model.startsWith("alpha"))).toHaveLength(1);
    expect(responses.filter((response) => response.model.startsWith("beta"))).toHaveLength(9);
    // The probe succeeded: alpha, first in priority, serves again.
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello })).model).toMatch(/^alpha/);
    await mesh.close();
  });

  it("filters candidates by request features (tools, vision, JSON mode, context window)", async () => {
    pair.a.reset();
    const config = pairConfig(pair) as Record<string, any>;
    const alpha = config.providers.a.config.models[0];
    alpha.features = { tools: false, vision: false, json_mode: false };
    alpha.context_window = 50;
    const mesh = create({ config, clock: testClock() });
    const first = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(first.model).toMatch(/^alpha/);
    const tool = { type: "function" as const, function: { name: "lookup", parameters: { type: "object", properties: {} } } };
    const withTools = await mesh.chat.completions.create({ model: "chat", messages: hello, tools: [tool] });
    expect(withTools.model).toMatch(/^beta/);
    expect(withTools.choices[0]?.message.tool_calls?.[0]?.function.name).toBe("lookup");
    const vision = await mesh.chat.completions.create({
      model: "chat",
      messages: [{ role: "user", content: [{ type: "text", text: "what is this" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] }],
    });
    expect(vision.model).toMatch(/^beta/);
    const json = await mesh.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "reply in json" }], response_format: { type: "json_object" } });
    expect(json.model).toMatch(/^beta/);
    const long = await mesh.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "x".repeat(400) }] });
    expect(long.model).toMatch(/^beta/);
    expect(pair.a.requests).toHaveLength(1);
    // Being unfit for some requests is not failing: the strategy still sticks to alpha.
    const plain = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(plain.model).toMatch(/^alpha/);
    const error = await mesh.chat.completions.create({ model: "alpha", messages: hello, tools: [tool] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoCapableModelError);
    expect((error as Error).message).toContain("no tool calling");
    await mesh.close();
  });

  it("routes embeddings and counts usage per model, provider and pool", async () => {
    const { mesh } = client();
    const embedding = await mesh.embeddings.create({ model: "text-embeddings", input: ["one", "two"] });
    expect(embedding.data).toHaveLength(2);
    expect(Array.isArray(embedding.data[0]!.embedding)).toBe(true);
    if (wire) expect(wire.validate("response.embeddings", embedding)).toEqual([]);
    const sent = pair.a.requests.at(-1)!;
    expect(sent.body).toEqual({ model: "alpha-embed", input: ["one", "two"] });
    if (wire) expect(wire.validate("request.embeddings", sent.body)).toEqual([]);
    const chat = await mesh.chat.completions.create({ model: "chat", messages: hello });
    const usage = mesh.usage;
    expect(usage.requests).toBe(2);
    expect(usage.byModel["a/alpha"]!.totalTokens).toBe(chat.usage!.total_tokens);
    expect(usage.byProvider["a"]!.requests).toBe(2);
    expect(usage.byPool["chat"]!.requests).toBe(1);
    expect(usage.byPool["text-embeddings"]!.promptTokens).toBe(embedding.usage.prompt_tokens);
    // Prices are USD per million tokens: input 1, output 2 for alpha.
    const expected = (chat.usage!.prompt_tokens * 1 + chat.usage!.completion_tokens * 2) / 1e6;
    expect(usage.byModel["a/alpha"]!.cost).toBeCloseTo(expected, 12);
    await mesh.close();
  });

  it("explains a decision without sending anything", async () => {
    const { mesh } = client();
    await mesh.ready();
    const explanation = mesh.explain({ model: "chat" });
    expect(explanation.selectedModel).toBe("alpha");
    expect(explanation.reason).toContain("stick-until-failure");
    expect(explanation.candidates).toHaveLength(2);
    expect(pair.a.requests).toHaveLength(0);
    await mesh.close();
  });

  it("passes timeouts as TimeoutError and fails over", async () => {
    const { mesh } = client({ timeout_ms: 200, retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "hang" });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^beta/);
    await mesh.close();
  });

  it("stops at once when the caller aborts", async () => {
    const { mesh } = client();
    pair.a.enqueue({ kind: "slow", delayMs: 2000 });
    const controller = new AbortController();
    const pending = mesh.chat.completions.create({ model: "chat", messages: hello }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(pair.b.requests).toHaveLength(0);
    await mesh.close();
  });

  it("treats a malformed body as a provider failure and fails over", async () => {
    const { mesh } = client({ retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "malformed" });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^beta/);
    await mesh.close();
  });

  it("rejects an invalid request before sending anything", async () => {
    const { mesh } = client();
    await expect(mesh.chat.completions.create({ model: "chat", messages: [] })).rejects.toMatchObject({ name: "InvalidRequestError", param: "messages" });
    await expect(mesh.chat.completions.create({ model: "chat", messages: [{ role: "robot", content: "x" }] as never })).rejects.toMatchObject({ name: "InvalidRequestError" });
    expect(pair.a.requests).toHaveLength(0);
    await mesh.close();
  });

  it("authenticates with the key and never puts it in an error message", async () => {
    const { mesh } = client({ models: ["alpha"], retry: { max_retries: 0 } });
    pair.a.setMode({ kind: "error", status: 401 });
    const error = (await mesh.chat.completions.create({ model: "chat", messages: hello }).catch((caught: unknown) => caught)) as AllProvidersExhaustedError;
    expect(error.lastError).toBeInstanceOf(AuthenticationError);
    expect(JSON.stringify(error.toJSON())).not.toContain("sk-test-key-a-0000000000");
    expect(error.message).not.toContain("sk-test-key-a-0000000000");
    await mesh.close();
  });
});
