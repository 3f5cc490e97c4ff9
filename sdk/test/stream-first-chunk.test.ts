import { describe, expect, it } from "vitest";
import { BaseProvider, create, ProviderError } from "../src/index.js";
import type { ChatCompletionDraft, ChunkDraftResult, StreamContext } from "../src/provider/provider-config.js";
import { KEEP_RAW_CHUNKS, RAW_CHUNK } from "../src/wire/raw-text.js";
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

  it("a parser that makes several chunks of one event hands them out in order before the next event is parsed", async () => {
    // A service whose events each carry two pieces (as a provider whose wire has several parts per event).
    class Split extends Counting {
      protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
        const parsed = super._parseSseChunk(event, context);
        if (parsed === "done" || parsed === null || Array.isArray(parsed)) return parsed;
        const text = (parsed as unknown as ChatCompletionChunk).choices[0]?.delta.content;
        if (typeof text !== "string") return parsed;
        const piece = (content: string) => ({ ...parsed, choices: [{ index: 0, delta: { content }, finish_reason: null }] });
        // "bad" stands for a part the service sent broken: not an object, so the stream fails there.
        return [piece(`${text}a`), text === "t1 " ? ("bad" as never) : piece(`${text}b`)];
      }
    }
    const split = new Split({ baseUrl: "https://corp.test/v1", apiKey: "corp-key-0123456789", fetch: wireCapture({ text: chunk(0) + chunk(1) + chunk(2) + finish + "data: [DONE]\n\n" }).fetch, models: [{ id: "m" }] });
    const iterator = (await split.chatStream({ model: "m", messages: [{ role: "user", content: "Hi" }], stream: true })).body[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.choices[0]?.delta.content).toBe("t0 a");
    const second = await iterator.next();
    expect(second.done).toBe(false);
    expect(second.value?.choices[0]?.delta.content).toBe("t0 b");
    // Both chunks came from the first event: the second is not parsed yet.
    expect(split.parsedEvents).toBe(1);
    // The second event's first part comes, then its broken part fails the stream; the events after it are never parsed.
    expect((await iterator.next()).value?.choices[0]?.delta.content).toBe("t1 a");
    await expect(iterator.next()).rejects.toBeInstanceOf(ProviderError);
    expect(split.parsedEvents).toBe(2);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("an event a parser turns into no chunk at all does not end the read: the events after it still come", async () => {
    class Skipping extends Counting {
      protected override _parseSseChunk(event: SseEvent, context: StreamContext): ChunkDraftResult {
        const parsed = super._parseSseChunk(event, context);
        if (parsed === "done" || parsed === null || Array.isArray(parsed)) return parsed;
        return (parsed as unknown as ChatCompletionChunk).choices[0]?.delta.content === "t1 " ? [] : [parsed as ChatCompletionDraft];
      }
    }
    const skipping = new Skipping({ baseUrl: "https://corp.test/v1", apiKey: "corp-key-0123456789", fetch: wireCapture({ text: chunk(0) + chunk(1) + chunk(2) + finish + "data: [DONE]\n\n" }).fetch, models: [{ id: "m" }] });
    const texts: string[] = [];
    for await (const part of (await skipping.chatStream({ model: "m", messages: [{ role: "user", content: "Hi" }], stream: true })).body) texts.push(part.choices[0]!.delta.content ?? `<${part.choices[0]!.finish_reason}>`);
    expect(texts).toEqual(["t0 ", "t2 ", "<stop>"]);
  });

  it("gives a chunk the service's own text only when asked, and only from the default parser", async () => {
    const text = chunk(0) + finish + "data: [DONE]\n\n";
    class Plain extends BaseProvider {}
    const plain = () => new Plain({ baseUrl: "https://corp.test/v1", apiKey: "corp-key-0123456789", fetch: wireCapture({ text }).fetch, models: [{ id: "m" }] });
    const request = { model: "m", messages: [{ role: "user" as const, content: "Hi" }], stream: true as const };
    const rawOf = async (provider: BaseProvider, keep: boolean) => {
      const texts: unknown[] = [];
      for await (const part of (await provider.chatStream(request, keep ? { [KEEP_RAW_CHUNKS]: true } : {})).body) texts.push((part as { [RAW_CHUNK]?: unknown })[RAW_CHUNK]);
      return texts;
    };
    // Asked: each chunk carries exactly the `data:` text the service sent for it.
    expect(await rawOf(plain(), true)).toEqual([chunk(0).slice("data: ".length, -2), finish.slice("data: ".length, -2)]);
    // Not asked (an app reading chunks): no text kept, no property defined.
    expect(await rawOf(plain(), false)).toEqual([undefined, undefined]);
    // A parser of a subclass may build chunks from another format: its chunks never carry the event's text.
    expect(await rawOf(provider(text), true)).toEqual([undefined, undefined]);
  });
});
