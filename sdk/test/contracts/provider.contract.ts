import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AuthenticationError, NoCapableModelError, ProviderError, RateLimitError, TimeoutError } from "../../src/wire/errors.js";
import { capabilities } from "../../src/wire/capabilities.js";
import { create } from "../../src/index.js";
import type { ChatCompletionChunk, ChatCompletionFunctionTool } from "../../src/index.js";
import type { Provider } from "../../src/provider/provider.js";
import type { FakeMode } from "../fakes/openai.js";
import type { ExchangeEnding, ExchangeRecord } from "../fakes/http.js";
import { wireValidator } from "../wire-schema.js";

/** The tool formats services take: OpenAI's `tools` (and the compatible services'), Anthropic, Gemini, Cohere v2. */
export type ToolFormat = "openai" | "anthropic" | "gemini" | "cohere";

/** A provider wired to a fake that speaks its wire format, plus the fake's controls. */
export interface ProviderUnderTest {
  provider: Provider;
  /** A chat model both the provider lists and the fake serves. */
  chatModel: string;
  /** The key the provider was given (must never leak). */
  apiKey: string;
  enqueue(mode: FakeMode): void;
  close(): Promise<void>;
  /** What the fake received, in arrival order (path and parsed body). */
  requests: ReadonlyArray<{ path: string; body: any }>;
  /** How each exchange ended on the fake's side: the proof that an abort closed the upstream connection. */
  exchanges: readonly ExchangeRecord[];
  /** The service's own tool format, checked on what the fake received (default `openai`). */
  toolFormat?: ToolFormat;
  /**
   * The fake's mode for an error reported inside a 200 stream after some content (default: the wire fakes'
   * `in-band-error` after 3 events; the OpenAI fake names it `stream-error`).
   */
  inBandMode?: unknown;
  /** `retryAfter` (seconds) a bare 429 from the fake carries in the service's own form (its header, Gemini's RetryInfo). */
  ownRetryAfter?: number;
}

/** OpenAI's tool shape, as a caller sends it; every connector translates it to its service's own. */
export const weatherTool: ChatCompletionFunctionTool = {
  type: "function",
  function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } },
};

/** What the fake must have received for `weatherTool`, per tool format. */
function expectServiceTools(format: ToolFormat, body: any): void {
  const parameters = weatherTool.function.parameters;
  if (format === "anthropic") expect(body.tools).toEqual([{ name: "get_weather", description: "Weather for a city", input_schema: parameters }]);
  else if (format === "gemini") expect(body.tools).toEqual([{ functionDeclarations: [{ name: "get_weather", description: "Weather for a city", parameters }] }]);
  // Cohere v2 takes OpenAI's function shape (docs.cohere.com v2 chat `tools[]{type, function{name, description, parameters}}`).
  else expect(body.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters } }]);
  if (format !== "openai" && format !== "cohere") expect(JSON.stringify(body)).not.toContain('"type":"function"');
}

/** Bounded poll for how the exchange at `index` ended (the fake sees a close a little after the client makes it). */
export async function endingOf(exchanges: readonly ExchangeRecord[], index: number, timeoutMs = 10_000): Promise<ExchangeEnding> {
  return vi.waitFor(
    () => {
      const ending = exchanges[index]?.ending;
      if (ending === undefined || ending === "open") throw new Error(`exchange ${index} has not ended yet (${exchanges.length} exchanges)`);
      return ending;
    },
    { timeout: timeoutMs, interval: 20 },
  );
}

/** Waits until the fake has received `count` requests in all. */
export async function receivedAtLeast(requests: ReadonlyArray<unknown>, count: number): Promise<void> {
  await vi.waitFor(() => expect(requests.length).toBeGreaterThanOrEqual(count), { timeout: 10_000, interval: 10 });
}

/** The behaviour every provider connector owes the router, whatever its wire format. */
export function providerContract(name: string, setup: () => Promise<ProviderUnderTest>): void {
  describe(`${name} (provider contract)`, () => {
    const wire = wireValidator();
    let subject: ProviderUnderTest;
    beforeAll(async () => {
      subject = await setup();
    });
    afterAll(async () => {
      await subject.close();
    });
    const request = () => ({ model: subject.chatModel, messages: [{ role: "user" as const, content: "Say hello" }] });
    const toolsListed = () => subject.provider.listModels().find((model) => model.id === subject.chatModel)?.features?.tools;

    it("lists models tagged with full capability paths, and supports what they need", () => {
      const models = subject.provider.listModels();
      expect(models.length).toBeGreaterThan(0);
      for (const model of models) {
        expect(model.id).toMatch(/\S/);
        for (const capability of model.capabilities) expect(capabilities.isKnown(capability) && capabilities.resolve(capability)).toBe(capability);
      }
      expect(subject.provider.supports("chat")).toBe(true);
    });

    it("answers chat in OpenAI's wire shape, and the exchange completes on the fake's side", async () => {
      const mark = subject.exchanges.length;
      const { body } = await subject.provider.chat(request());
      expect(body.choices[0]?.message.content).toMatch(/\S/);
      expect(body.model).toBeTruthy();
      if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
      expect(await endingOf(subject.exchanges, mark)).toBe("completed");
    });

    it("streams chunks in OpenAI's wire shape", async () => {
      const mark = subject.exchanges.length;
      const { body } = await subject.provider.chatStream({ ...request(), stream: true });
      const chunks = [];
      for await (const chunk of body) chunks.push(chunk);
      expect(chunks.length).toBeGreaterThan(2);
      if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
      // A stream read to its end is not taken for an abort: the fake saw the whole answer leave.
      expect(await endingOf(subject.exchanges, mark)).toBe("completed");
    });

    // The fake paces the answer at 250 ms a frame (2 s or more for the whole of it), so an upstream left open would
    // be seen to complete: only a connection the connector really closed ends as `client-closed`.
    it("parses incrementally: the first chunk arrives while the fake is still sending, and a reader that stops then closes the upstream", async () => {
      subject.enqueue({ kind: "slow-stream", chunkDelayMs: 250 });
      const mark = subject.exchanges.length;
      const slow = await subject.provider.chatStream({ ...request(), stream: true });
      for await (const chunk of slow.body) {
        void chunk;
        // A connector that buffered the whole body would hand over its first chunk only after the fake finished.
        expect(subject.exchanges[mark]?.ending).toBe("open");
        break;
      }
      expect(await endingOf(subject.exchanges, mark)).toBe("client-closed");
    });

    it("an AbortSignal aborted while a non-streamed chat waits rejects with the caller's abort and closes the upstream", async () => {
      subject.enqueue({ kind: "slow", delayMs: 5_000 });
      const mark = subject.exchanges.length;
      const before = subject.requests.length;
      const controller = new AbortController();
      const pending = subject.provider.chat(request(), { signal: controller.signal }).then(
        () => "answered",
        (caught: unknown) => caught,
      );
      await receivedAtLeast(subject.requests, before + 1);
      controller.abort();
      const error = await pending;
      // ModelMesh rethrows the caller's own abort reason (transfer.ts `classify`), never a retryable ProviderError.
      expect(error).toBe(controller.signal.reason);
      expect((error as Error).name).toBe("AbortError");
      expect(error).not.toBeInstanceOf(ProviderError);
      expect(await endingOf(subject.exchanges, mark)).toBe("client-closed");
    });

    it("an AbortSignal aborted during a stream rejects the next read with the caller's abort and closes the upstream", async () => {
      subject.enqueue({ kind: "slow-stream", chunkDelayMs: 250 });
      const mark = subject.exchanges.length;
      const controller = new AbortController();
      const reason = new Error("the caller gave up");
      const { body } = await subject.provider.chatStream({ ...request(), stream: true }, { signal: controller.signal });
      let received = 0;
      const outcome = await (async () => {
        for await (const chunk of body) {
          void chunk;
          received += 1;
          controller.abort(reason);
        }
        return "finished";
      })().catch((caught: unknown) => caught);
      expect(outcome).toBe(reason);
      expect(received).toBe(1);
      expect(await endingOf(subject.exchanges, mark)).toBe("client-closed");
    });

    it("tools where the model lists them: OpenAI-shaped tool_calls out, the service's own tool format sent", async (context) => {
      if (toolsListed() === false) return context.skip("the model lists no tool calling (the router check below covers it)");
      const format = subject.toolFormat ?? "openai";
      const messages = [{ role: "user" as const, content: "Weather in Paris?" }];
      const before = subject.requests.length;
      const { body } = await subject.provider.chat({ model: subject.chatModel, messages, tools: [weatherTool] });
      expectServiceTools(format, subject.requests[before]?.body);
      if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
      const choice = body.choices[0]!;
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.tool_calls).toHaveLength(1);
      const call = choice.message.tool_calls![0]!;
      expect(call).toMatchObject({ id: expect.stringMatching(/\S/), type: "function", function: { name: "get_weather", arguments: expect.any(String) } });
      const called = call.type === "function" ? call.function : undefined;
      const args: unknown = JSON.parse(called?.arguments ?? "");
      expect(args).toEqual(expect.objectContaining({ location: expect.any(String) }));

      const streamed = await subject.provider.chatStream({ model: subject.chatModel, messages, tools: [weatherTool], stream: true });
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of streamed.body) chunks.push(chunk);
      expectServiceTools(format, subject.requests[before + 1]?.body);
      if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
      const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
      expect(deltas.length).toBeGreaterThan(0);
      // One call: every delta of it carries index 0; the first names it, no later one renames or re-identifies it.
      expect(new Set(deltas.map((delta) => delta.index))).toEqual(new Set([0]));
      expect(deltas[0]).toMatchObject({ id: expect.stringMatching(/\S/), type: "function", function: { name: "get_weather" } });
      for (const delta of deltas.slice(1)) {
        if (delta.id !== undefined) expect(delta.id).toBe(deltas[0]!.id);
        if (delta.function?.name !== undefined) expect(delta.function.name).toBe("get_weather");
      }
      expect(JSON.parse(deltas.map((delta) => delta.function?.arguments ?? "").join(""))).toEqual(args);
      expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === "tool_calls")).toBe(true);
    });

    it("maps the service's errors onto the ModelMesh error tree", async () => {
      const cases: Array<[FakeMode, (error: unknown) => void]> = [
        [{ kind: "error", status: 401 }, (error) => expect(error).toBeInstanceOf(AuthenticationError)],
        [{ kind: "error", status: 429, headers: { "retry-after": "7" } }, (error) => expect((error as RateLimitError).retryAfter).toBe(7)],
        [{ kind: "error", status: 500 }, (error) => expect((error as ProviderError).retryable).toBe(true)],
        [{ kind: "error", status: 404 }, (error) => expect((error as ProviderError).code).toBe("model_not_found")],
        [{ kind: "error", status: 400 }, (error) => expect((error as ProviderError).retryable).toBe(false)],
        [{ kind: "malformed" }, (error) => expect((error as ProviderError).code).toBe("malformed_response")],
        // A 403 is about the key's rights (or the content): an AuthenticationError, never a retry.
        [{ kind: "error", status: 403 }, (error) => expect(error).toBeInstanceOf(AuthenticationError)],
        // 529 (Anthropic's "overloaded", used by others too) is transient.
        [{ kind: "error", status: 529 }, (error) => expect((error as ProviderError).retryable).toBe(true)],
        // 408: the service gave up waiting on the request; a timeout, retried elsewhere.
        [{ kind: "error", status: 408 }, (error) => expect(error).toBeInstanceOf(TimeoutError)],
      ];
      // A bare 429 carries the wait in the service's own form (Anthropic's retry-after, Gemini's RetryInfo, ...).
      if (subject.ownRetryAfter !== undefined) cases.push([{ kind: "error", status: 429 }, (error) => expect((error as RateLimitError).retryAfter).toBe(subject.ownRetryAfter)]);
      for (const [mode, check] of cases) {
        subject.enqueue(mode);
        const error = await subject.provider.chat(request()).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ProviderError);
        check(error);
        if (mode.kind === "error" && mode.status === 429) expect(error).toBeInstanceOf(RateLimitError);
        expect(JSON.stringify((error as ProviderError).toJSON())).not.toContain(subject.apiKey);
      }
    });

    it("a service that never answers is a TimeoutError within the call's timeout, and the connection is closed", async () => {
      subject.enqueue({ kind: "hang" });
      const mark = subject.exchanges.length;
      const started = Date.now();
      const error = await subject.provider.chat(request(), { timeoutMs: 300 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(await endingOf(subject.exchanges, mark)).toBe("client-closed");
    });

    it("an error reported inside a 200 stream, after content, ends the stream with a typed error", async () => {
      subject.enqueue((subject.inBandMode ?? { kind: "in-band-error", afterEvents: 3 }) as FakeMode);
      const { body } = await subject.provider.chatStream({ ...request(), stream: true });
      const received: unknown[] = [];
      const error = await (async () => {
        for await (const chunk of body) received.push(chunk);
      })().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(received.length).toBeGreaterThan(0);
      expect(JSON.stringify((error as ProviderError).toJSON())).not.toContain(subject.apiKey);
    });

    it("never exposes its key", () => {
      expect(subject.provider.keyId).not.toContain(subject.apiKey);
      expect(JSON.stringify(subject.provider)).not.toContain(subject.apiKey);
    });

    // A model that lists no tool calling must never be sent tools: through a pool it is refused with a typed error,
    // and the service receives nothing. Last, because the mesh closes what it was given.
    it("tools are never sent to a model that lists no tool calling: a pool refuses them with NoCapableModelError", async (context) => {
      if (toolsListed() !== false) return context.skip("the model lists tool calling (checked above)");
      const client = create("chat-completion", { providers: [{ instance: subject.provider }] });
      try {
        const before = subject.requests.length;
        const error = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool] }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(NoCapableModelError);
        expect((error as Error).message).toContain("no tool calling");
        expect(subject.requests.length).toBe(before);
        // The same pool serves the request without tools: the refusal is about the feature, not an empty pool.
        const answer = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
        expect(answer.choices[0]?.message.content).toMatch(/\S/);
        expect(subject.requests.at(-1)?.body.tools).toBeUndefined();
      } finally {
        await client.close();
      }
    });
  });
}
