import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create, StreamInterruptedError, type ChatCompletionChunk } from "../src/index.js";
import { AllProvidersExhaustedError, ProviderError, RateLimitError, TimeoutError } from "../src/wire/errors.js";
import { estimateTokens } from "../src/core/pool.js";
import type { MeshEvent } from "../src/wire/events.js";
import { CallbackObservability } from "../src/observability/callback.js";
import type { FakeOpenAI } from "./fakes/openai.js";
import { hello, pairConfig, startPair, testClock } from "./support/mesh.js";

// Failover that ends, waits when it should and comes back: every assertion is on what the fake servers received
// and on the state and usage the mesh reports.

const REPLY = "one two three four five six seven eight";
let pair: Awaited<ReturnType<typeof startPair>>;

beforeEach(async () => {
  pair = await startPair({ a: { reply: REPLY }, b: { reply: "B answers something else entirely" } });
});
afterEach(async () => {
  await pair.close();
});

function client(pool: Record<string, unknown> = {}, clock = testClock()) {
  const events: MeshEvent[] = [];
  const mesh = create({
    config: pairConfig(pair, pool),
    clock,
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), logLevel: "full", minSeverity: "debug" }) },
  });
  return { mesh, clock, events };
}

const chats = (fake: FakeOpenAI) => fake.requests.filter((request) => request.path === "/v1/chat/completions");
const text = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
const modelOf = (mesh: ReturnType<typeof client>["mesh"], model: string) => mesh.describe().pools["chat"]!.models.find((entry) => entry.model === model)!;

/** Reads a stream to its end or its error; returns what arrived and the error, if any. */
async function drain(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

describe("every attempt counts", () => {
  it("a stream that keeps breaking after partial text ends with StreamInterruptedError after (max_retries + 1) attempts", async () => {
    const { mesh, clock } = client({ models: ["alpha"], retry: { max_retries: 2, base_delay_ms: 100, jitter: "none" } });
    pair.a.setMode({ kind: "break-stream", afterChunks: 3 });
    const { chunks, error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).deliveredText).toBe("one two three");
    expect(text(chunks)).toBe("one two three");
    // One first attempt and two retries, each a restart of the same request; then nothing more.
    expect(chats(pair.a)).toHaveLength(3);
    expect(chats(pair.a).every((request) => request.body.messages.length === 1)).toBe(true);
    expect(clock.sleeps).toEqual([100, 200]);
    expect(modelOf(mesh, "alpha")).toMatchObject({ requests: 3, failures: 3 });
    await mesh.close();
  });

  it("max_attempts caps a request across models, continuations included", async () => {
    const { mesh } = client({ retry: { max_retries: 2, max_attempts: 2, base_delay_ms: 1 } });
    pair.a.setMode({ kind: "break-stream", afterChunks: 2 });
    pair.b.setMode({ kind: "break-stream", afterChunks: 2 });
    const { error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(chats(pair.a).length + chats(pair.b).length).toBe(2);
    await mesh.close();
  });

  it("a plain request that fails everywhere stops after (max_retries + 1) × models attempts", async () => {
    const { mesh } = client({ retry: { max_retries: 2, base_delay_ms: 1 } });
    pair.a.setMode({ kind: "error", status: 503 });
    pair.b.setMode({ kind: "error", status: 502 });
    const error = await mesh.chat.completions.create({ model: "chat", messages: hello }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AllProvidersExhaustedError);
    expect(chats(pair.a)).toHaveLength(3);
    expect(chats(pair.b)).toHaveLength(3);
    await mesh.close();
  });
});

describe("retries with backoff, then rotates", () => {
  it("retries a 429 on the same model after the retry-after-ms it names", async () => {
    const { mesh, clock } = client({ retry: { max_retries: 2 } });
    pair.a.enqueue({ kind: "error", status: 429, headers: { "retry-after-ms": "1500", "retry-after": "2" } });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^alpha/);
    expect(chats(pair.a)).toHaveLength(2);
    expect(chats(pair.b)).toHaveLength(0);
    expect(clock.sleeps).toEqual([1500]);
    await mesh.close();
  });

  it("fails over at once when the named wait is over max_retry_after_ms, and rests the model that long", async () => {
    const { mesh, clock } = client({ retry: { max_retries: 2, max_retry_after_ms: 5_000 } });
    pair.a.enqueue({ kind: "error", status: 429, headers: { "retry-after": "30" } });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^beta/);
    expect(chats(pair.a)).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(Date.parse(modelOf(mesh, "alpha").cooldownUntil!)).toBe(clock.time + 30_000);
    await mesh.close();
  });

  it("backs off exponentially between same-model retries of a 5xx, then moves on", async () => {
    const { mesh, clock } = client({ retry: { max_retries: 2, base_delay_ms: 500, max_delay_ms: 8_000, jitter: "none" } });
    pair.a.setMode({ kind: "error", status: 500 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^beta/);
    expect(chats(pair.a)).toHaveLength(3);
    expect(clock.sleeps).toEqual([500, 1000]);
    await mesh.close();
  });
});

describe("three timeouts per attempt", () => {
  it("abandons a stream that answers 200 but sends no content within first_token_timeout_ms (keep-alives do not count)", async () => {
    const { mesh, events } = client({ retry: { max_retries: 0 }, first_token_timeout_ms: 300 });
    pair.a.enqueue({ kind: "keep-alive", comments: 100, intervalMs: 50 });
    const started = Date.now();
    const { chunks, error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe("B answers something else entirely");
    expect(Date.now() - started).toBeLessThan(5_000);
    const failed = events.find((event) => event.type === "attempt-end" && !(event as { ok: boolean }).ok) as unknown as { error: { name: string; timeoutMs: number } };
    expect(failed.error).toMatchObject({ name: "TimeoutError", timeoutMs: 300 });
    expect(chats(pair.a)[0]!.clientAborted).toBe(true);
    await mesh.close();
  });

  it("keep-alive comments before the first token are read past when content comes in time", async () => {
    const { mesh } = client({ retry: { max_retries: 0 }, first_token_timeout_ms: 2_000 });
    pair.a.enqueue({ kind: "keep-alive", comments: 3, intervalMs: 20 });
    const { chunks, error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe(REPLY);
    expect(chats(pair.b)).toHaveLength(0);
    await mesh.close();
  });

  it("ends a stream that stalls between chunks for longer than the per-call stallTimeout", async () => {
    const { mesh } = client({ retry: { max_retries: 0 }, stream_failover: "error" });
    pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 600 });
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { stallTimeout: 150, firstTokenTimeout: 2_000 });
    const { error } = await drain(stream);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    const cause = (error as Error).cause as TimeoutError;
    expect(cause).toBeInstanceOf(TimeoutError);
    expect(cause.timeoutMs).toBe(150);
    expect(chats(pair.b)).toHaveLength(0);
    await mesh.close();
  });

  it("connect_timeout_ms bounds a stream's wait for headers, but not a plain answer (whose headers are the answer)", async () => {
    const { mesh } = client({ retry: { max_retries: 0 }, connect_timeout_ms: 150 });
    pair.a.enqueue({ kind: "slow", delayMs: 500 });
    const { chunks } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(chunks.at(-1)!.model).toMatch(/^beta/);
    pair.a.enqueue({ kind: "slow", delayMs: 500 });
    const plain = await mesh.chat.completions.create({ model: "alpha", messages: hello });
    expect(plain.model).toMatch(/^alpha/);
    await mesh.close();
  });

  it("rejects a timeout option that is not a positive number before sending anything", async () => {
    const { mesh } = client();
    await expect(mesh.chat.completions.create({ model: "chat", messages: hello }, { stallTimeout: -1 })).rejects.toMatchObject({ name: "InvalidRequestError", param: "stallTimeout" });
    expect(pair.a.requests).toHaveLength(0);
    await mesh.close();
  });
});

describe("recovery is prompt", () => {
  it("with priority, the primary serves again within max_cooldown_ms of recovering, however long it was down", async () => {
    const clock = testClock();
    const { mesh } = client({ strategy: "priority", strategy_config: { priorities: ["alpha", "beta"] }, retry: { max_retries: 0 } }, clock);
    pair.a.setMode({ kind: "error", status: 503 });
    const servedBy: Array<{ at: number; model: string }> = [];
    const start = clock.time;
    const recoversAt = 50_000;
    let longestRest = 0;
    for (let elapsed = 0; elapsed <= 76_000; elapsed += 2_000) {
      clock.time = start + elapsed;
      if (elapsed === recoversAt) pair.a.reset();
      const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
      servedBy.push({ at: elapsed, model: response.model });
      const alpha = modelOf(mesh, "alpha");
      if (alpha.cooldownUntil) longestRest = Math.max(longestRest, Date.parse(alpha.cooldownUntil) - clock.time);
    }
    // The default cap (30 s) bounds every rest, and so the time a recovered primary stays unused.
    expect(longestRest).toBeLessThanOrEqual(30_000);
    const back = servedBy.find((entry) => entry.at >= recoversAt && entry.model.startsWith("alpha"));
    expect(back).toBeDefined();
    expect(back!.at - recoversAt).toBeLessThanOrEqual(30_000);
    // Once back, it stays the choice.
    expect(servedBy.filter((entry) => entry.at >= back!.at).every((entry) => entry.model.startsWith("alpha"))).toBe(true);
    // Probes were bounded: alpha was asked only when its rest had run out, not on every request.
    expect(chats(pair.a).length).toBeLessThan(servedBy.length / 2);
    await mesh.close();
  });
});

describe("a stream that cannot be completed ends with a typed error", () => {
  it("an in-band error after a finish is StreamInterruptedError, and no second answer is spliced on", async () => {
    const { mesh } = client({ retry: { max_retries: 0 } });
    // As OpenRouter sent it: chunks, a chunk finishing with "length", then `data: {"error": {"code": 400, ...}}`.
    pair.a.enqueue({ kind: "stream-error", afterChunks: 2, finishReason: "length", error: { message: "Token limit reached", type: null, code: 400 } });
    const { chunks, error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).deliveredText).toBe("one two");
    expect(text(chunks)).toBe("one two");
    expect(chats(pair.b)).toHaveLength(0);
    // The same after a finish followed by a transient (server_error) event: the caller had its finish already.
    pair.a.enqueue({ kind: "stream-error", afterChunks: 2, finishReason: "length" });
    const again = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(again.error).toBeInstanceOf(StreamInterruptedError);
    expect(chats(pair.b)).toHaveLength(0);
    await mesh.close();
  });

  it("an in-band server error mid-text restarts on the next model, and raises when its answer differs", async () => {
    const { mesh } = client({ retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "stream-error", afterChunks: 3 });
    const { chunks, error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(text(chunks)).toBe("one two three");
    expect(chunks.every((chunk) => chunk.choices.every((choice) => choice.finish_reason === null))).toBe(true);
    // Beta got the original request (no partial reply, no instruction) and its different answer was not forwarded.
    expect(chats(pair.b)[0]!.body.messages).toEqual(hello);
    await mesh.close();
  });

  it("a restarted answer that extends the delivered text is forwarded once, without the repeated part", async () => {
    await pair.close();
    pair = await startPair({ a: { reply: REPLY }, b: { reply: REPLY } });
    const { mesh } = client({ retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "break-stream", afterChunks: 3 });
    const { chunks, error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe(REPLY);
    expect(chats(pair.b)[0]!.body.messages).toEqual(hello);
    await mesh.close();
  });

  it("stream_failover: restart never sends a partial reply, even to a model that could continue it", async () => {
    await pair.close();
    pair = await startPair({ a: { reply: REPLY }, b: { reply: REPLY, assistantPrefix: true } });
    const config = pairConfig(pair, { retry: { max_retries: 0 }, stream_failover: "restart" }) as Record<string, any>;
    config.providers.b.config.models[0].features.assistant_prefix = true;
    const mesh = create({ config, clock: testClock() });
    pair.a.enqueue({ kind: "break-stream", afterChunks: 3 });
    const { chunks } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(text(chunks)).toBe(REPLY);
    expect(chats(pair.b)[0]!.body.messages).toEqual(hello);
    await mesh.close();
  });
});

describe("streams that cannot be resumed", () => {
  it("a stream that was emitting tool calls raises StreamInterruptedError and is not sent elsewhere", async () => {
    const { mesh } = client({ retry: { max_retries: 0 } });
    const tools = [{ type: "function" as const, function: { name: "lookup", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
    pair.a.enqueue({ kind: "break-stream", afterChunks: 2 });
    const { chunks, error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, tools, stream: true }));
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls?.length)).toBe(true);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as Error).message).toContain("tool calls cannot be resumed");
    expect(chats(pair.b)).toHaveLength(0);
    await mesh.close();
  });

  it("a stream with n > 1 raises StreamInterruptedError after text was delivered", async () => {
    const { mesh } = client({ retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "break-stream", afterChunks: 2 });
    const { error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, n: 2, stream: true }));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as Error).message).toContain("n > 1");
    expect(chats(pair.b)).toHaveLength(0);
    await mesh.close();
  });
});

describe("a continuation the next model refuses", () => {
  it("raises StreamInterruptedError with the delivered text, not the refusal alone", async () => {
    // Configured as able to continue a prefix, but the service (plain OpenAI wire) rejects the `prefix` key with a 400.
    const config = pairConfig(pair, { retry: { max_retries: 0 } }) as Record<string, any>;
    config.providers.b.config.models[0].features.assistant_prefix = true;
    const mesh = create({ config, clock: testClock() });
    pair.a.enqueue({ kind: "break-stream", afterChunks: 2 });
    const { error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).deliveredText).toBe("one two");
    expect(((error as Error).cause as ProviderError).status).toBe(400);
    expect(chats(pair.b)[0]!.body.messages.at(-1)).toEqual({ role: "assistant", content: "one two", prefix: true });
    await mesh.close();
  });
});

describe("accounting across failover", () => {
  it("counts the broken attempt (estimated) and the restart in client.usage, cost and the caller's usage chunk", async () => {
    await pair.close();
    pair = await startPair({ a: { reply: REPLY }, b: { reply: REPLY } });
    const { mesh } = client({ retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "break-stream", afterChunks: 3 });
    const { chunks } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true, stream_options: { include_usage: true } }));
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    // Beta's own count for its full answer, from a second identical request.
    const reference = await mesh.chat.completions.create({ model: "b/beta", messages: hello });
    const estimated = { prompt: estimateTokens(hello), completion: Math.ceil("one two three".length / 4) };
    expect(usageChunk.usage).toMatchObject({
      prompt_tokens: reference.usage!.prompt_tokens + estimated.prompt,
      completion_tokens: reference.usage!.completion_tokens + estimated.completion,
      total_tokens: reference.usage!.total_tokens + estimated.prompt + estimated.completion,
    });
    const usage = mesh.usage;
    expect(usage.byModel["a/alpha"]).toMatchObject({ requests: 0, failures: 1, promptTokens: estimated.prompt, completionTokens: estimated.completion });
    expect(usage.byModel["a/alpha"]!.cost).toBeCloseTo((estimated.prompt * 1 + estimated.completion * 2) / 1e6, 12);
    expect(usage.byModel["b/beta"]!.requests).toBe(2);
    expect(usage.totalTokens).toBe(usageChunk.usage!.total_tokens + reference.usage!.total_tokens);
    // The broken attempt is one request and one failure.
    expect(modelOf(mesh, "alpha")).toMatchObject({ requests: 1, failures: 1 });
    await mesh.close();
  });

  it("books the usage a stream sent before its in-band error, and shows it to the caller", async () => {
    const { mesh } = client({ retry: { max_retries: 0 } });
    pair.a.enqueue({ kind: "stream-error", afterChunks: 2, finishReason: "length", usage: true });
    const { chunks, error } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true, stream_options: { include_usage: true } }));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    const reported = chunks.find((chunk) => chunk.usage)!.usage!;
    expect(reported.total_tokens).toBeGreaterThan(0);
    // The service's own count, not an estimate from the two chunks delivered.
    expect(mesh.usage.byModel["a/alpha"]).toMatchObject({ failures: 1, totalTokens: reported.total_tokens, promptTokens: reported.prompt_tokens });
    await mesh.close();
  });

  it("reads usage sent on the finishing chunk (Mistral/DeepSeek style), and gives it to the caller as a usage chunk of its own", async () => {
    await pair.close();
    pair = await startPair({ a: { reply: REPLY, usageOnFinish: true } });
    const { mesh } = client();
    const { chunks } = await drain(await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true, stream_options: { include_usage: true } }));
    expect(text(chunks)).toBe(REPLY);
    // The caller gets OpenAI's shape: the finish chunk with usage null, then the usage alone (choices []).
    const [finishing, last] = chunks.slice(-2);
    expect(finishing!.choices[0]?.finish_reason).toBe("stop");
    expect(finishing!.usage).toBeNull();
    expect(last!.choices).toEqual([]);
    expect(last!.usage?.total_tokens).toBeGreaterThan(0);
    expect(last!.id).toBe(finishing!.id);
    expect(mesh.usage.byModel["a/alpha"]!.totalTokens).toBe(last!.usage!.total_tokens);
    await mesh.close();
  });
});

describe("failure classification", () => {
  it("a 403 about the content is raised and blames neither the model nor its key", async () => {
    const { mesh } = client({ deactivation: { failure_threshold: 1 } });
    const body = { error: { message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", type: null, param: "prompt", code: "content_filter" } };
    pair.a.enqueue({ kind: "error", status: 403, body });
    const error = await mesh.chat.completions.create({ model: "chat", messages: hello }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "AuthenticationError", status: 403 });
    expect(chats(pair.a)).toHaveLength(1);
    expect(chats(pair.b)).toHaveLength(0);
    expect(modelOf(mesh, "alpha")).toMatchObject({ status: "active", failures: 0 });
    expect(mesh.describe().pools["text-embeddings"]!.models.find((entry) => entry.model === "alpha-embed")!.status).toBe("active");
    await mesh.close();
  });

  it("a 400 context_length_exceeded moves on without counting against the model", async () => {
    const { mesh } = client({ deactivation: { failure_threshold: 1 } });
    pair.a.enqueue({ kind: "error", status: 400, code: "context_length_exceeded" });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^beta/);
    expect(modelOf(mesh, "alpha")).toMatchObject({ status: "active", failures: 0 });
    await mesh.close();
  });

  it("a 403 that is not about content takes out that model only, never its key", async () => {
    const { mesh } = client({ retry: { max_retries: 0 } });
    pair.a.setMode({ kind: "error", status: 403 });
    const response = await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(response.model).toMatch(/^beta/);
    expect(modelOf(mesh, "alpha").status).toBe("cooldown");
    expect(mesh.describe().pools["text-embeddings"]!.models.find((entry) => entry.model === "alpha-embed")!.status).toBe("active");
    await mesh.close();
  });

  it("a 401 takes the key out, and one slow re-probe after key_probe_ms brings every model of the key back", async () => {
    const { mesh, clock } = client({ retry: { max_retries: 0 }, recovery: { key_probe_ms: 120_000 } });
    pair.a.setMode({ kind: "error", status: 401 });
    expect((await mesh.chat.completions.create({ model: "chat", messages: hello })).model).toMatch(/^beta/);
    expect(modelOf(mesh, "alpha").status).toBe("disabled");
    clock.advance(60_000);
    await mesh.chat.completions.create({ model: "chat", messages: hello });
    expect(chats(pair.a)).toHaveLength(1);
    // The key was fixed upstream (reset also clears the fake's record); after key_probe_ms one request probes it.
    pair.a.reset();
    clock.advance(60_001);
    const probed = await mesh.chat.completions.create({ model: "alpha", messages: hello });
    expect(probed.model).toMatch(/^alpha/);
    expect(chats(pair.a)).toHaveLength(1);
    expect(modelOf(mesh, "alpha").status).toBe("active");
    expect(mesh.describe().pools["text-embeddings"]!.models.find((entry) => entry.model === "alpha-embed")!.status).toBe("active");
    await mesh.close();
  });

  it("a caller's abort mid-stream is not a model failure, and the upstream request is cancelled", async () => {
    const { mesh } = client({ deactivation: { failure_threshold: 1 } });
    pair.a.enqueue({ kind: "slow-stream", chunkDelayMs: 200 });
    const controller = new AbortController();
    const stream = await mesh.chat.completions.create({ model: "chat", messages: hello, stream: true }, { signal: controller.signal });
    const { error } = await drain(
      (async function* () {
        for await (const chunk of stream) {
          yield chunk;
          controller.abort();
        }
      })(),
    );
    // A plain abort ends the loop quietly, as the official client's does: no error, and none a model is blamed for.
    expect(error).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chats(pair.a)[0]!.clientAborted).toBe(true);
    expect(chats(pair.b)).toHaveLength(0);
    expect(modelOf(mesh, "alpha")).toMatchObject({ status: "active", failures: 0 });
    await mesh.close();
  });

  it("a caller's abort during a plain request is not a model failure either", async () => {
    const { mesh } = client({ deactivation: { failure_threshold: 1 } });
    pair.a.enqueue({ kind: "slow", delayMs: 2_000 });
    const controller = new AbortController();
    const pending = mesh.chat.completions.create({ model: "chat", messages: hello }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.not.toBeInstanceOf(RateLimitError);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chats(pair.a)[0]!.clientAborted).toBe(true);
    expect(modelOf(mesh, "alpha")).toMatchObject({ status: "active", failures: 0 });
    await mesh.close();
  });
});
