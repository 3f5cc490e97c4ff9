import { describe, expect, it } from "vitest";
import { streamedTurns, type StreamedTurnSink } from "./streamed-turn.js";
import { ChunkLog } from "./chunk-log.js";
import type { ChatStreamSnapshot } from "./chat-stream-snapshot.js";
import { runTools, type ToolRunnerHost } from "./tool-runner.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from "../wire/types.js";

// The streamed answers of `runTools({ stream: true })` with scripted streams (`sdk/test/run-tools-stream.test.ts` runs
// them against the fake OpenAI server).

const chunk = (delta: Record<string, unknown>, finish: string | null = null, index = 0): ChatCompletionChunk =>
  ({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index, delta, logprobs: null, finish_reason: finish }] }) as ChatCompletionChunk;

async function* streamOf(chunks: ChatCompletionChunk[]) {
  yield* chunks;
}

function sink() {
  const events: string[] = [];
  const chunks = new ChunkLog<ChatCompletionChunk>();
  const foldings: ChatStreamSnapshot[] = [];
  const value: StreamedTurnSink = { emit: (event) => events.push(event), chunks, current: (folding) => foldings.push(folding) };
  return { sink: value, events, chunks, foldings };
}

describe("streamedTurns", () => {
  it("opens the request's stream, logs and folds each chunk, and answers the assembled completion", async () => {
    const { sink: s, events, chunks, foldings } = sink();
    const opened: Array<[Record<string, unknown>, AbortSignal]> = [];
    const signal = new AbortController().signal;
    const turn = streamedTurns(s, async (request, given) => (opened.push([request, given]), streamOf([chunk({ role: "assistant", content: "Hel" }), chunk({ content: "lo" }, "stop")])));
    const completion = await turn({ model: "m" }, signal);
    expect(opened).toEqual([[{ model: "m" }, signal]]);
    expect(completion.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "Hello" } });
    expect((await chunks.at(1)).value?.choices[0]!.delta.content).toBe("lo");
    expect(foldings).toHaveLength(1);
    expect(foldings[0]!.snapshot!.choices[0]!.message.content).toBe("Hello");
    expect(events).toEqual(["chunk", "content", "content.delta", "chunk", "content", "content.delta", "content.done"]);
  });

  it("refuses an answer cut at its token limit, stopped by a filter, unfinished, or empty", async () => {
    const signal = new AbortController().signal;
    const cases: Array<[ChatCompletionChunk[], Record<string, unknown>]> = [
      [[chunk({ content: "a" }, "length")], { name: "LengthFinishReasonError" }],
      [[chunk({ content: "a" }, "content_filter")], { name: "ContentFilterFinishReasonError" }],
      // Choice 1 finished, choice 0 never did.
      [[chunk({ content: "a" }), chunk({ content: "b" }, "stop", 1)], { name: "ModelMeshError", code: "unfinished_stream", retryable: true, message: "the answer's stream ended before choice 0 finished" }],
      [[], { name: "ModelMeshError", code: "empty_stream", retryable: true, message: "the answer's stream ended without a chunk" }],
    ];
    for (const [chunks, expected] of cases) {
      await expect(streamedTurns(sink().sink, async () => streamOf(chunks))({}, signal)).rejects.toMatchObject(expected);
    }
  });

  it("fails with the abort's reason when the stream ended quietly on an abort", async () => {
    const controller = new AbortController();
    const reason = new Error("stopped");
    const turn = streamedTurns(sink().sink, async () =>
      (async function* () {
        yield chunk({ content: "a" });
        controller.abort(reason);
      })(),
    );
    await expect(turn({}, controller.signal)).rejects.toBe(reason);
  });
});

describe("runTools", () => {
  const body = (extra: Record<string, unknown>) => ({ model: "m", messages: [{ role: "user" as const, content: "hi" }], tools: [], ...extra }) as ChatCompletionRequest;
  const host = (stream?: ToolRunnerHost["stream"]): ToolRunnerHost => ({ emit: () => {}, signal: new AbortController().signal, messages: [], seen: () => true, mark: () => {}, runner: null, ...(stream ? { stream } : {}) });
  const whole: ChatCompletion = { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: "whole", refusal: null } }] };

  it("streams through `open` only with stream: true and a streaming host; the chunks end when the run does", async () => {
    let attached: ChunkLog<ChatCompletionChunk> | undefined;
    const streaming = host({ attach: (chunks) => (attached = chunks), current: () => {} });
    const creates: unknown[] = [];
    const create = async (request: Record<string, unknown>) => (creates.push(request), whole);
    const outcome = await runTools(streaming, body({ stream: true }), {}, create, async () => streamOf([chunk({ content: "streamed" }, "stop")]));
    expect(outcome.message?.content).toBe("streamed");
    expect(creates).toHaveLength(0);
    expect(await attached!.at(0)).toMatchObject({ done: false });
    expect(await attached!.at(1)).toEqual({ done: true, value: undefined });

    // Without stream: true, or without a streaming host, `create` answers.
    expect((await runTools(streaming, body({}), {}, create, async () => streamOf([]))).message?.content).toBe("whole");
    await expect(runTools(host(), body({ stream: true }), {}, create, async () => streamOf([]))).rejects.toMatchObject({ name: "InvalidRequestError", param: "stream" });
    expect(creates).toHaveLength(1);
  });

  it("fails the chunks' readers with the run's failure, after the chunks before it", async () => {
    let attached: ChunkLog<ChatCompletionChunk> | undefined;
    const streaming = host({ attach: (chunks) => (attached = chunks), current: () => {} });
    const run = runTools(streaming, body({ stream: true }), {}, async () => whole, async () => streamOf([chunk({ content: "cut" }, "length")]));
    await expect(run).rejects.toMatchObject({ name: "LengthFinishReasonError" });
    expect((await attached!.at(0)).value?.choices[0]!.finish_reason).toBe("length");
    await expect(attached!.at(1)).rejects.toMatchObject({ name: "LengthFinishReasonError" });
  });
});
