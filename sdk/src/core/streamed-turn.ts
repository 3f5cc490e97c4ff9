/**
 * One answer of `runTools()` with `stream: true`, as the official client's streaming runner takes it: the answer is
 * streamed, each chunk goes to the runner's iterators and makes the stream's events (`chunk`, `content`,
 * `tool_calls.function.arguments.delta`, ...), and the loop gets the whole completion once the stream has ended.
 */
import { ModelMeshError } from "../wire/error-base.js";
import { ContentFilterFinishReasonError, LengthFinishReasonError } from "../wire/errors.js";
import type { ChatCompletion, ChatCompletionChunk } from "../wire/types.js";
import { ChatStreamSnapshot, type EmitChatStreamEvent } from "./chat-stream-snapshot.js";
import type { ChunkLog } from "./chunk-log.js";

/** Opens the routed stream of one request (through the client's `create`, so a mock client's script serves it). */
export type OpenTurnStream = (request: Record<string, unknown>, signal: AbortSignal) => Promise<AsyncIterable<ChatCompletionChunk>>;

/** Where a streamed answer's chunks and snapshot go: the runner's iterators and its `currentChatCompletionSnapshot`. */
export interface StreamedTurnSink {
  emit: EmitChatStreamEvent;
  chunks: ChunkLog<ChatCompletionChunk>;
  current(folding: ChatStreamSnapshot): void;
}

/**
 * A `create` for the tool loop that streams each answer. An answer whose stream ends before a choice finished, or
 * finished at the token limit or by a content filter, is refused before any function runs (its tool calls may be cut
 * short), as the official streaming runner refuses it.
 * @example
 * const create = streamedTurns(sink, (request, signal) => client.chat.completions.create({ ...request, stream: true }, { signal }));
 */
export function streamedTurns(sink: StreamedTurnSink, open: OpenTurnStream): (request: Record<string, unknown>, signal: AbortSignal) => Promise<ChatCompletion> {
  return async (request, signal) => {
    const stream = await open(request, signal);
    const folding = new ChatStreamSnapshot();
    sink.current(folding);
    for await (const chunk of stream) {
      sink.chunks.push(chunk);
      folding.push(chunk, sink.emit);
    }
    // A plain abort ends the routed stream's loop quietly: the run still fails with it.
    signal.throwIfAborted();
    const completion = folding.completion();
    if (!completion) throw new ModelMeshError("the answer's stream ended without a chunk", { code: "empty_stream", retryable: true });
    for (const choice of folding.snapshot!.choices) {
      if (choice.finish_reason === "length") throw new LengthFinishReasonError();
      if (choice.finish_reason === "content_filter") throw new ContentFilterFinishReasonError();
      if (choice.finish_reason === null) throw new ModelMeshError(`the answer's stream ended before choice ${choice.index} finished`, { code: "unfinished_stream", retryable: true });
    }
    return completion;
  };
}
