import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessage, CompletionUsage } from "../wire/types.js";
import type { ChatCompletionSnapshot, ChatStreamHost, ChatStreamRun } from "../core/chat-stream-snapshot.js";

import { Listeners } from "./listeners.js";

/**
 * What `client.chat.completions.stream()` returns, as the official client's `ChatCompletionStream`: the request starts
 * at once (after the caller's turn, so listeners added right away see everything); `on("content", (delta, text) =>
 * ...)`, `on("chunk")`, `on("content.delta")`, `on("content.done")`, `on("refusal.delta" | "refusal.done")`,
 * `on("tool_calls.function.arguments.delta" | ".done")`, `on("chatCompletion" | "message" | "finalChatCompletion" |
 * "finalContent" | "finalMessage" | "totalUsage" | "connect" | "abort" | "error" | "end")`; `for await` gives the
 * chunks (each iterator from the first); `finalChatCompletion()`, `finalContent()`, `finalMessage()`, `totalUsage()`
 * and `done()` wait for the end. This holds the listeners (it ships up front); the run itself loads with the mesh
 * (`core/chat-stream-snapshot.ts`).
 * @example
 * const stream = client.chat.completions.stream({ model: "chat-completion", messages });
 * stream.on("content", (delta) => process.stdout.write(delta));
 * const completion = await stream.finalChatCompletion();
 */
export class ChatCompletionStream extends Listeners implements AsyncIterable<ChatCompletionChunk> {
  /** Aborting it (or `abort()`) stops the request; the stream then fails with the abort's reason. */
  readonly controller = new AbortController();
  ended = false;
  errored = false;
  aborted = false;
  readonly #run: Promise<ChatStreamRun>;
  #current: ChatStreamRun | undefined;

  constructor(start: (host: ChatStreamHost) => Promise<ChatStreamRun>, callerSignal?: AbortSignal | null) {
    super();
    if (callerSignal?.aborted) this.controller.abort(callerSignal.reason);
    else callerSignal?.addEventListener("abort", () => this.controller.abort(callerSignal.reason), { once: true });
    const host: ChatStreamHost = {
      emit: this.emit,
      signal: this.controller.signal,
      seen: () => this.seen(),
      mark: (state) => void (this[state] = true),
    };
    // After the caller's turn, as the official client: listeners added right after stream() miss nothing.
    this.#run = Promise.resolve(host)
      .then(start)
      .then(
        (run) => (this.#current = run),
        // The mesh did not start: nothing to run, but the listeners still hear of it.
        (error: unknown) => {
          this.errored = this.ended = true;
          this.emit("error", error);
          this.emit("end");
          throw error;
        },
      );
    this.#run.catch(() => {});
  }

  /** The completion as far as it has streamed (undefined before the first chunk). */
  get currentChatCompletionSnapshot(): ChatCompletionSnapshot | undefined {
    return this.#current?.folding.snapshot;
  }

  /** Stops the request. */
  abort(): void {
    this.controller.abort();
  }

  async done(): Promise<void> {
    await this.finalChatCompletion();
  }

  finalChatCompletion(): Promise<ChatCompletion> {
    this.watched = true;
    return this.#run.then((run) => run.result);
  }

  async finalContent(): Promise<string | null> {
    return (await this.finalMessage()).content;
  }

  async finalMessage(): Promise<ChatCompletionMessage> {
    // A completion always has its first choice here: the run fails on a stream without a chunk.
    return (await this.finalChatCompletion()).choices[0]!.message;
  }

  /** The tokens of the request (zeros when the service reported none: ask with `stream_options: { include_usage: true }`). */
  async totalUsage(): Promise<CompletionUsage> {
    return (await this.finalChatCompletion()).usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  }

  /** The chunks, each iterator from the first; leaving the loop early aborts the request. */
  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk, undefined> {
    this.watched = true;
    let at = 0;
    return {
      next: () => this.#run.then((run) => run.chunk(at++)),
      return: async () => {
        if (!this.ended) this.abort();
        return { value: undefined, done: true };
      },
    };
  }

  /** The chunks as newline-delimited JSON bytes, as the official client's `toReadableStream()`. */
  toReadableStream(): ReadableStream<Uint8Array> {
    const iterator = this[Symbol.asyncIterator]();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(new TextEncoder().encode(`${JSON.stringify(value)}\n`));
      },
      cancel: () => void iterator.return?.(),
    });
  }
}
