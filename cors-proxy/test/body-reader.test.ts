import type { ServerResponse } from "node:http";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OpenAICompatibleProvider } from "modelmesh";
import { startLocalServer, type LocalServer } from "../../sdk/test/fakes/http.js";
import { BODY_READER, createNodeFetch, nodeBodyReader, type NodeFetch } from "modelmesh/node-fetch";

// The proxy's fetch offers streamed bodies to the SDK's providers as a plain reader over the socket (no web
// streams). The provider must make exactly the same chunks, errors and connection closes of it as it makes of
// `response.body`: each case below streams the same scripted bytes both ways and compares.

/** One write of the fake server, a pause to let it leave as its own TCP segment, or the end (clean or cut). */
type Step = string | Buffer | { pause: number } | "end" | "hang-up" | "hold";

let server: LocalServer | undefined;
let nodeFetch: NodeFetch | undefined;
let closes = 0;

afterEach(async () => {
  nodeFetch?.close();
  await server?.close();
  server = undefined;
  nodeFetch = undefined;
  closes = 0;
});

async function play(steps: Step[], response: ServerResponse): Promise<void> {
  response.writeHead(200, { "content-type": "text/event-stream" });
  response.flushHeaders();
  for (const step of steps) {
    if (step === "end") return void response.end();
    else if (step === "hang-up") return void response.socket?.destroy();
    else if (step === "hold") return;
    else if (typeof step === "string" || Buffer.isBuffer(step)) response.write(step);
    else await new Promise((resolve) => setTimeout(resolve, step.pause));
  }
}

async function serve(steps: Step[]): Promise<string> {
  nodeFetch?.close();
  await server?.close();
  closes = 0;
  server = await startLocalServer(async (request, response) => {
    for await (const part of request) void part;
    response.once("close", () => void (closes += 1));
    await play(steps, response);
  });
  nodeFetch = createNodeFetch();
  return `${server.url}/v1`;
}

/** The same fetch, once as the proxy uses it (reader offered) and once with only `response.body` to read. */
function fetches(): { fast: typeof fetch; web: typeof fetch; responses: Response[] } {
  const responses: Response[] = [];
  const fast = (async (input: string, init?: RequestInit) => {
    const response = await nodeFetch!(input, init);
    responses.push(response);
    return response;
  }) as typeof fetch;
  const web = (async (input: string, init?: RequestInit) => {
    const response = await nodeFetch!(input, init);
    return new Response(response.body, { status: response.status, headers: response.headers });
  }) as typeof fetch;
  return { fast, web, responses };
}

interface Outcome {
  chunks: unknown[];
  error?: { name: string; message: string; code?: unknown; sameAsReason?: boolean };
}

async function collect(baseUrl: string, fetchImplementation: typeof fetch, options: { abortAfter?: number; leaveAfter?: number } = {}): Promise<Outcome> {
  const provider = new OpenAICompatibleProvider({ id: "svc", baseUrl, apiKey: "sk-test", models: [{ id: "m" }], fetch: fetchImplementation });
  const controller = new AbortController();
  const reason = new Error("caller gave up");
  const chunks: unknown[] = [];
  try {
    const { body } = await provider.chatStream!({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true }, { signal: controller.signal });
    for await (const chunk of body) {
      // id and created are the stream's own when the service omits them (random per stream): compare the rest.
      const { id: _id, created: _created, ...rest } = chunk;
      chunks.push(rest);
      if (chunks.length === options.abortAfter) controller.abort(reason);
      if (chunks.length === options.leaveAfter) break;
    }
    return { chunks };
  } catch (error) {
    const failure = error as Error & { code?: unknown };
    return { chunks, error: { name: failure.name, message: failure.message, code: failure.code, sameAsReason: error === reason } };
  }
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const pause = { pause: 3 };

async function both(steps: Step[], options: { abortAfter?: number; leaveAfter?: number } = {}): Promise<{ fast: Outcome; web: Outcome; fastClosed: number; webClosed: number; responses: Response[] }> {
  const baseUrl = await serve(steps);
  const { fast, web, responses } = fetches();
  const fastOutcome = await collect(baseUrl, fast, options);
  await vi.waitFor(() => expect(closes).toBe(1), { timeout: 2_000 }).catch(() => {});
  const fastClosed = closes;
  const webOutcome = await collect(baseUrl, web, options);
  await vi.waitFor(() => expect(closes).toBe(2), { timeout: 2_000 }).catch(() => {});
  return { fast: fastOutcome, web: webOutcome, fastClosed, webClosed: closes - fastClosed, responses };
}

describe("the node fetch's body reader, as the providers read streams", () => {
  it("gives the same chunks as the web stream: keep-alives, lines split across packets, CRLF, split UTF-8, usage", async () => {
    const euro = Buffer.from(chunk({ content: "5 €" }));
    const split = euro.indexOf(0xe2) + 1;
    const run = await both([
      ": keep-alive\n\n",
      pause,
      chunk({ role: "assistant", content: "" }),
      pause,
      chunk({ content: "Hel" }).slice(0, 20),
      pause,
      chunk({ content: "Hel" }).slice(20),
      ": OPENROUTER PROCESSING\n\n",
      pause,
      euro.subarray(0, split),
      pause,
      euro.subarray(split),
      chunk({ content: "lo" }).replace(/\n/g, "\r\n").slice(0, -1),
      pause,
      "\n",
      chunk({}, "stop") + `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })}\n\n`,
      pause,
      "data: [DONE]\n\n",
      "end",
    ]);
    expect(run.fast).toEqual(run.web);
    expect(run.fast.error).toBeUndefined();
    expect(run.fast.chunks.map((entry) => (entry as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? null)).toEqual(["", "Hel", "5 €", "lo", null, null]);
    expect(run.fast.chunks.at(-1)).toMatchObject({ usage: { total_tokens: 7 } });
    // The fast path really ran: the provider took the Node stream, so the Response never built a web body.
    expect(run.responses).toHaveLength(1);
    expect(run.responses[0]!.bodyUsed).toBe(true);
    expect(run.responses[0]!.body).toBeNull();
  });

  it("decodes text as the web stream's TextDecoder does: a byte order mark and characters split across packets", async () => {
    // The fast path decodes with Node's StringDecoder (`readText`), the web path with TextDecoder: a leading BOM is
    // dropped even when it comes in pieces, a 4-byte character cut three ways is joined, a BOM later on is content,
    // and a character still cut when the body ends lies in an event never finished, so nothing of it is given.
    const emoji = Buffer.from(chunk({ content: "a 😀 \uFEFFb" }));
    const at = emoji.indexOf(0xf0);
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const later = emoji.indexOf(bom);
    const run = await both([
      bom.subarray(0, 2),
      pause,
      Buffer.concat([bom.subarray(2), Buffer.from(chunk({ role: "assistant", content: "" }))]),
      pause,
      emoji.subarray(0, at + 1),
      pause,
      emoji.subarray(at + 1, at + 3),
      pause,
      emoji.subarray(at + 3, later),
      pause,
      // A packet that begins with a BOM later in the body: content, kept.
      emoji.subarray(later),
      chunk({}, "stop"),
      pause,
      Buffer.concat([Buffer.from("data: [DONE]\n\n: "), Buffer.from("€").subarray(0, 2)]),
      "end",
    ]);
    expect(run.fast).toEqual(run.web);
    expect(run.fast.error).toBeUndefined();
    expect(run.fast.chunks.map((entry) => (entry as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? null)).toEqual(["", "a 😀 \uFEFFb", null]);
    expect(run.responses[0]!.body).toBeNull();
  });

  it("fails the same way on an in-band error event after some chunks", async () => {
    const run = await both([chunk({ role: "assistant", content: "" }), chunk({ content: "par" }), pause, `data: ${JSON.stringify({ error: { message: "The server is overloaded", type: "server_error", code: 503 } })}\n\n`, "end"]);
    expect(run.fast).toEqual(run.web);
    expect(run.fast.chunks).toHaveLength(2);
    expect(run.fast.error!.message).toContain("overloaded");
  });

  it("fails the same way when the service hangs up mid-stream, or ends without finishing", async () => {
    const cut = await both([chunk({ role: "assistant", content: "" }), chunk({ content: "par" }), pause, "hang-up"]);
    expect(cut.fast).toEqual(cut.web);
    expect(cut.fast.error).toMatchObject({ name: "ConnectionError" });
    const unfinished = await both([chunk({ role: "assistant", content: "" }), chunk({ content: "par" }), "end"]);
    expect(unfinished.fast).toEqual(unfinished.web);
    expect(unfinished.fast.error).toMatchObject({ name: "ConnectionError", code: "stream_truncated" });
  });

  it("rethrows the caller's abort reason and closes the connection, as the web stream does", async () => {
    const run = await both([chunk({ role: "assistant", content: "" }), chunk({ content: "one" }), pause, chunk({ content: "two" }), "hold"], { abortAfter: 2 });
    expect(run.fast).toEqual(run.web);
    expect(run.fast.chunks).toHaveLength(2);
    expect(run.fast.error).toMatchObject({ sameAsReason: true });
    expect([run.fastClosed, run.webClosed]).toEqual([1, 1]);
  });

  it("closes the connection when the consumer leaves early", async () => {
    const run = await both([chunk({ role: "assistant", content: "" }), chunk({ content: "one" }), pause, chunk({ content: "two" }), "hold"], { leaveAfter: 2 });
    expect(run.fast).toEqual(run.web);
    expect(run.fast.chunks).toHaveLength(2);
    expect([run.fastClosed, run.webClosed]).toEqual([1, 1]);
  });

  it("says the body is drained only once it arrived whole and every byte was read", async () => {
    const baseUrl = await serve([chunk({ content: "x" }), { pause: 150 }, chunk({}, "stop"), "end"]);
    const response = await nodeFetch!(`${baseUrl}/chat/completions`, { method: "POST", body: "{}" });
    const reader = (response as Response & { [BODY_READER]: () => { readText(): Promise<ReadableStreamReadResult<string>>; drained(): boolean } })[BODY_READER]();
    expect(reader.drained()).toBe(false);
    expect((await reader.readText()).value).toContain('"x"');
    // All that came is read, but the answer goes on.
    expect(reader.drained()).toBe(false);
    // The second event and the body's end arrive while nobody reads (the server has ended its answer): held, so the
    // body is whole but not drained yet.
    await vi.waitFor(() => expect(closes).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reader.drained()).toBe(false);
    expect((await reader.readText()).value).toContain('"stop"');
    expect(reader.drained()).toBe(true);
    expect((await reader.readText()).done).toBe(true);
  });

  it("is offered once, and not at all after response.body was read", async () => {
    const baseUrl = await serve([chunk({ content: "x" }, "stop"), "end"]);
    const first = await nodeFetch!(`${baseUrl}/chat/completions`, { method: "POST", body: "{}" });
    const offer = (first as Response & { [BODY_READER]?: () => unknown })[BODY_READER]!;
    expect(offer()).toBeDefined();
    expect(offer()).toBeUndefined();
    const second = await nodeFetch!(`${baseUrl}/chat/completions`, { method: "POST", body: "{}" });
    expect(await second.text()).toContain('"x"');
    expect((second as Response & { [BODY_READER]?: () => unknown })[BODY_READER]!()).toBeUndefined();
  });
});

describe("nodeBodyReader", () => {
  it("reads chunks in order, pauses the source while nobody reads, and ends", async () => {
    const source = new PassThrough();
    const reader = nodeBodyReader(source, () => undefined);
    source.write("a");
    source.write("b");
    await new Promise((resolve) => setImmediate(resolve));
    // Paused after the first chunk: the rest waits in the source, not in our queue.
    expect(source.isPaused()).toBe(true);
    const seen: string[] = [];
    const pending = reader.read();
    source.end("c");
    for (let result = await pending; !result.done; result = await reader.read()) seen.push(Buffer.from(result.value).toString());
    expect(seen.join("")).toBe("abc");
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  it("fails with 'terminated' when the source closes before its end, or with the abort reason", async () => {
    const cut = new PassThrough();
    const reader = nodeBodyReader(cut, () => undefined);
    const waiting = reader.read();
    cut.destroy(new Error("socket hang up"));
    await expect(waiting).rejects.toThrow("terminated");
    await expect(reader.read()).rejects.toThrow("terminated");
    const reason = new Error("aborted by the caller");
    const aborted = new PassThrough();
    const abortedReader = nodeBodyReader(aborted, () => reason);
    aborted.destroy();
    await expect(abortedReader.read()).rejects.toBe(reason);
  });

  it("destroys the source on cancel", async () => {
    const source = new PassThrough();
    const reader = nodeBodyReader(source, () => undefined);
    await reader.cancel();
    expect(source.destroyed).toBe(true);
  });
});
