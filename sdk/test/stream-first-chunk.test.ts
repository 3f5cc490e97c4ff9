import { describe, expect, it } from "vitest";
import { BaseProvider, create, ProviderError } from "../src/index.js";
import type { ChunkDraftResult, StreamContext } from "../src/provider/provider-config.js";
import type { SseEvent } from "../src/wire/sse.js";
import type { ChatCompletionChunk } from "../src/wire/types.js";
import { wireCapture } from "./mutation/wire-capture.js";

// A burst: a service that has the whole answer ready sends hundreds of events in one network read. The first chunk
// must reach the caller (and a proxy writing it on) before the others are parsed, not after all of them: parsing
// the whole read first held a 500-event burst's first chunk back by 0.7–1.9 ms at the proxy (bench, 2026-12-03).

const EVENTS = 300;
const chunk = (index: number, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 7, model: "m", choices: [{ index: 0, delta: { content: `t${index} ` }, finish_reason: null }], ...extra })}\n\n`;
const finish = `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 7, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`;
const burst = (middle = "") => Array.from({ length: EVENTS }, (_, index) => chunk(index)).join("") + middle + finish + "data: [DONE]\n\n";

/** The default OpenAI parser, counting the events it was asked to parse (what a subclass author can see). */
class Counting extends BaseProvider {
  parsedEvents = 0;
  protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
    this.parsedEvents += 1;
    return super._parseSseChunk(event, context);
  }
}

const provider = (text: string) => new Counting({ baseUrl: "https://corp.test/v1", apiKey: "corp-key-0123456789", fetch: wireCapture({ text }).fetch, models: [{ id: "m" }] });

describe("a burst of events in one network read", () => {
  it("hands out the first chunk having parsed only its own event, then the rest in order", async () => {
    const counting = provider(burst());
    const stream = (await counting.chatStream({ model: "m", messages: [{ role: "user", content: "Hi" }], stream: true })).body;
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect((first.value as ChatCompletionChunk).choices[0]!.delta.content).toBe("t0 ");
    expect(counting.parsedEvents).toBe(1);
    const texts = ["t0 "];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) texts.push(next.value.choices[0]!.delta.content ?? `<${next.value.choices[0]!.finish_reason}>`);
    expect(texts).toEqual([...Array.from({ length: EVENTS }, (_, index) => `t${index} `), "<stop>"]);
    // Every event once, the end marker included.
    expect(counting.parsedEvents).toBe(EVENTS + 2);
  });

  it("a caller that stops after the first chunk never pays for parsing the rest of the read", async () => {
    const counting = provider(burst());
    const mesh = create("chat-completion", { providers: [{ instance: counting }] });
    try {
      const stream = await mesh.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }], stream: true });
      const seen: string[] = [];
      for await (const part of stream) {
        seen.push(part.choices[0]?.delta.content ?? "");
        break;
      }
      expect(seen).toEqual(["t0 "]);
      expect(counting.parsedEvents).toBe(1);
    } finally {
      await mesh.close();
    }
  });

  it("a malformed event in the middle of the read fails the stream only after every chunk before it", async () => {
    const counting = provider(burst("data: {not json\n\n"));
    const stream = (await counting.chatStream({ model: "m", messages: [{ role: "user", content: "Hi" }], stream: true })).body;
    const texts: string[] = [];
    const failure = await (async () => {
      try {
        for await (const part of stream) texts.push(part.choices[0]!.delta.content ?? "");
      } catch (error) {
        return error;
      }
    })();
    expect(texts).toHaveLength(EVENTS);
    expect(texts.at(-1)).toBe(`t${EVENTS - 1} `);
    expect(failure).toBeInstanceOf(ProviderError);
    // The finish event after the malformed one was never parsed: the stream had already failed.
    expect(counting.parsedEvents).toBe(EVENTS + 1);
  });
});
