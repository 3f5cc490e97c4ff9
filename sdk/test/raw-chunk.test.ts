import { describe, expect, it } from "vitest";
import { create, type ChatCompletionChunk } from "../src/index.js";

// A chunk the mesh passes on unchanged keeps the service's JSON text under Symbol.for("modelmesh.raw-chunk"), so the
// proxy can write it without serialising it again. It must never be there when it would not be exactly the chunk, and
// only a caller that asks for it (request option Symbol.for("modelmesh.keep-raw-chunks"), the proxy) gets it.
const RAW = Symbol.for("modelmesh.raw-chunk");
const KEEP_RAW_CHUNKS = Symbol.for("modelmesh.keep-raw-chunks");
const rawOf = (chunk: ChatCompletionChunk) => (chunk as unknown as Record<symbol, unknown>)[RAW];

// Spaced JSON, so the service's text and JSON.stringify of the chunk differ and the test can tell which one it got.
const spaced = (value: object) => JSON.stringify(value, null, 1).replace(/\n/g, "");
const base = { id: "chatcmpl-raw", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4o-mini" };
const events = [
  spaced({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }], usage: null }),
  spaced({ ...base, choices: [{ index: 0, delta: { content: "Hel" }, logprobs: null, finish_reason: null }], usage: null }),
  // One event over two data lines (legal SSE): its text holds a line break, so it must be serialised again.
  spaced({ ...base, choices: [{ index: 0, delta: { content: "lo" }, logprobs: null, finish_reason: null }] }).replace(', "object"', '\ndata: , "object"'),
  spaced({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }], usage: null }),
  spaced({ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
];
const body = `${events.map((data) => `data: ${data}\n\n`).join("")}data: [DONE]\n\n`;

function mesh(options: { priced?: boolean; middleware?: object[] } = {}) {
  const model = { id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"], ...(options.priced ? { pricing: { input: 1, output: 2 } } : {}) };
  return create({
    config: { providers: { bench: { connector: "openai-compatible", config: { base_url: "http://raw.invalid/v1", api_key: "sk-raw", models: [model] } } } },
    fetch: (async () => new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } })) as typeof fetch,
    ...(options.middleware ? { middleware: options.middleware } : {}),
  });
}

async function chunks(client: ReturnType<typeof mesh>, keepRaw = true): Promise<ChatCompletionChunk[]> {
  const options = keepRaw ? ({ [KEEP_RAW_CHUNKS]: true } as object) : {};
  const stream = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } }, options);
  const all: ChatCompletionChunk[] = [];
  for await (const chunk of stream) all.push(chunk);
  return all;
}

describe("the service's text of an unchanged chunk", () => {
  it("is kept, hidden from copies and JSON, for one-line events only", async () => {
    const all = await chunks(mesh());
    expect(all.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello");
    expect(rawOf(all[0]!)).toBe(events[0]);
    expect(rawOf(all[1]!)).toBe(events[1]);
    expect(rawOf(all[2]!)).toBeUndefined();
    expect(rawOf(all[4]!)).toBe(events[4]);
    for (const chunk of all) {
      expect(JSON.stringify(chunk)).not.toContain("\n");
      expect(Object.getOwnPropertySymbols({ ...chunk })).not.toContain(RAW);
      if (rawOf(chunk) !== undefined) expect(JSON.parse(rawOf(chunk) as string)).toEqual(chunk);
    }
  });

  it("is not attached for a caller that did not ask for it (an app reading chunks has no use for it)", async () => {
    const all = await chunks(mesh(), false);
    expect(all.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello");
    for (const chunk of all) expect(rawOf(chunk)).toBeUndefined();
  });

  it("is dropped when the mesh changes the chunk: the cost on a priced usage chunk, or a middleware's onChunk", async () => {
    const priced = await chunks(mesh({ priced: true }));
    const usage = priced.at(-1)!;
    expect(usage.usage).toMatchObject({ total_tokens: 5, cost: expect.any(Number) });
    expect(rawOf(usage)).toBeUndefined();
    expect(rawOf(priced[1]!)).toBe(events[1]);
    const shouting = {
      onChunk(chunk: ChatCompletionChunk) {
        for (const choice of chunk.choices) if (choice.delta.content) choice.delta.content = choice.delta.content.toUpperCase();
        return chunk;
      },
    };
    const changed = await chunks(mesh({ middleware: [shouting] }));
    expect(changed.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("HELLO");
    for (const chunk of changed) expect(rawOf(chunk)).toBeUndefined();
  });
});
