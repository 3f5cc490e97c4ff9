import type { ChatCompletionChunk } from "../wire/types.js";
import type { ChatCompletionSnapshot, ChatStreamSnapshot } from "../core/chat-stream-snapshot.js";
import type { ChunkLog } from "../core/chunk-log.js";
import type { ToolRunnerHost, ToolRunnerOutcome } from "../core/tool-runner.js";
import { ChatCompletionRunner } from "./chat-completion-runner.js";

/**
 * What `client.chat.completions.runTools({ ..., stream: true })` returns, as the official client's
 * `ChatCompletionStreamingRunner`: the tool loop of `ChatCompletionRunner` (its events, `messages`, `final*()`), each
 * answer streamed, with the stream's events (`chunk`, `content`, `content.delta`, `tool_calls.function.arguments.delta`,
 * ...), `for await` over the chunks of every answer in turn, and `currentChatCompletionSnapshot`.
 * @example
 * const runner = client.chat.completions.runTools({ model: "chat-completion", messages, tools, stream: true });
 * runner.on("content", (delta) => process.stdout.write(delta));
 * console.log(await runner.finalContent());
 */
export class ChatCompletionStreamingRunner extends ChatCompletionRunner implements AsyncIterable<ChatCompletionChunk> {
  readonly #chunks: Promise<ChunkLog<ChatCompletionChunk>>;
  readonly #answer: { folding?: ChatStreamSnapshot };

  constructor(start: (host: ToolRunnerHost) => Promise<ToolRunnerOutcome>, callerSignal?: AbortSignal | null) {
    let attach!: (chunks: ChunkLog<ChatCompletionChunk>) => void;
    let fail!: (error: unknown) => void;
    const chunks = new Promise<ChunkLog<ChatCompletionChunk>>((resolve, reject) => {
      attach = resolve;
      fail = reject;
    });
    // Nobody may iterate: a mesh that did not start reaches the listeners and final*() anyway.
    chunks.catch(() => {});
    const answer: { folding?: ChatStreamSnapshot } = {};
    // The loop attaches the chunks as it starts; a mesh that did not start fails the iterators with its error.
    const started = (host: ToolRunnerHost) => start(host).catch((error: unknown) => (fail(error), Promise.reject(error)));
    super(started, callerSignal, { attach, current: (folding) => void (answer.folding = folding) });
    this.#chunks = chunks;
    this.#answer = answer;
  }

  /** The answer being streamed, as far as it has come (undefined before its first chunk). */
  get currentChatCompletionSnapshot(): ChatCompletionSnapshot | undefined {
    return this.#answer.folding?.snapshot;
  }

  /** The chunks of every answer in turn, each iterator from the first; leaving the loop early aborts the run. */
  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk, undefined> {
    this.watched = true;
    let at = 0;
    return {
      next: () => this.#chunks.then((chunks) => chunks.at(at++)),
      return: async () => {
        if (!this.ended) this.abort();
        return { value: undefined, done: true };
      },
    };
  }
}
