/**
 * What `client.chat.completions.stream()` knows of a stream so far (the official client's snapshot), and the helper
 * events each chunk makes. Loaded with the mesh, not with the page: the client's `ChatCompletionStream` only holds
 * the listeners and hands every chunk here.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionLogprobs, CompletionUsage, FinishReason } from "../wire/types.js";
import { ChunkLog } from "./chunk-log.js";

/** A tool call being streamed, as the snapshot holds it. */
interface ToolCallSnapshot {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** One choice as far as it has streamed. */
export interface ChoiceSnapshot {
  index: number;
  message: { role: "assistant"; content: string | null; refusal: string | null; tool_calls?: ToolCallSnapshot[] };
  finish_reason: FinishReason | null;
  logprobs: ChatCompletionLogprobs | null;
}

/** The completion as far as it has streamed (`currentChatCompletionSnapshot`). */
export interface ChatCompletionSnapshot {
  id: string;
  created: number;
  model: string;
  choices: ChoiceSnapshot[];
  usage?: CompletionUsage | null;
  system_fingerprint?: string;
}

/** Calls each listener of an event with its arguments. */
export type EmitChatStreamEvent = (event: string, ...args: unknown[]) => void;

/** What the driver needs of the client's `ChatCompletionStream`: its events, its stop, and where its outcome goes. */
export interface ChatStreamHost {
  emit: EmitChatStreamEvent;
  signal: AbortSignal;
  /** Someone listens for `error` or waits for the outcome: a failure reaches them. */
  seen(): boolean;
  /** Marks the stream's `ended`, `errored`, `aborted`. */
  mark(state: "ended" | "errored" | "aborted"): void;
}

/**
 * Folds chunks into a snapshot and emits, per chunk: `chunk` (chunk, snapshot); for text `content` (delta, text so far)
 * and `content.delta` ({ delta, snapshot, parsed: null }); for a refusal `refusal.delta`; for tool call arguments
 * `tool_calls.function.arguments.delta`; and when a choice finishes, the `.done` event of each.
 * @example
 * const folding = new ChatStreamSnapshot();
 * folding.push(chunk, (event, ...args) => console.log(event, args));
 * const completion = folding.completion();
 */
export class ChatStreamSnapshot {
  snapshot: ChatCompletionSnapshot | undefined;

  /** Folds `chunk` in; `emit` gets its events (none without it: the router folds a stream for middleware that way). */
  push(chunk: ChatCompletionChunk, emit?: EmitChatStreamEvent): void {
    const snapshot = (this.snapshot ??= { id: chunk.id, created: chunk.created, model: chunk.model, choices: [] });
    // The latest chunk's model, as the official client's snapshot: after a failover the serving model names it.
    if (chunk.model) snapshot.model = chunk.model;
    if (chunk.usage) snapshot.usage = chunk.usage;
    if (typeof chunk.system_fingerprint === "string") snapshot.system_fingerprint = chunk.system_fingerprint;
    const finished: ChoiceSnapshot[] = [];
    for (const choice of chunk.choices) {
      let entry = snapshot.choices.find((each) => each.index === choice.index);
      if (!entry) {
        entry = { index: choice.index, message: { role: "assistant", content: null, refusal: null }, finish_reason: null, logprobs: null };
        snapshot.choices.push(entry);
        snapshot.choices.sort((a, b) => a.index - b.index);
      }
      const { delta } = choice;
      if (typeof delta.content === "string") entry.message.content = (entry.message.content ?? "") + delta.content;
      if (typeof delta.refusal === "string") entry.message.refusal = (entry.message.refusal ?? "") + delta.refusal;
      for (const call of delta.tool_calls ?? []) {
        const calls = (entry.message.tool_calls ??= []);
        const tool = (calls[call.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
        if (call.id) tool.id = call.id;
        if (call.function?.name) tool.function.name += call.function.name;
        if (call.function?.arguments) tool.function.arguments += call.function.arguments;
      }
      if (choice.logprobs) {
        const logprobs = (entry.logprobs ??= { content: null, refusal: null });
        if (choice.logprobs.content) logprobs.content = [...(logprobs.content ?? []), ...choice.logprobs.content];
        if (choice.logprobs.refusal) logprobs.refusal = [...(logprobs.refusal ?? []), ...choice.logprobs.refusal];
      }
      if (choice.finish_reason) {
        entry.finish_reason = choice.finish_reason;
        finished.push(entry);
      }
    }
    if (!emit) return;
    emit("chunk", chunk, snapshot);
    // As the official client: the per-delta events follow the first choice.
    const first = chunk.choices.find((choice) => choice.index === 0);
    if (first) {
      // Choices are kept in index order: choice 0, which this chunk has, is the first.
      const entry = snapshot.choices[0]!;
      const { delta } = first;
      if (typeof delta.content === "string" && delta.content !== "") {
        emit("content", delta.content, entry.message.content);
        emit("content.delta", { delta: delta.content, snapshot: entry.message.content, parsed: null });
      }
      if (typeof delta.refusal === "string" && delta.refusal !== "") emit("refusal.delta", { delta: delta.refusal, snapshot: entry.message.refusal });
      for (const call of delta.tool_calls ?? []) {
        // The first loop made the call's entry.
        const tool = entry.message.tool_calls![call.index]!;
        if (call.function?.arguments) {
          emit("tool_calls.function.arguments.delta", { name: tool.function.name, index: call.index, arguments: tool.function.arguments, parsed_arguments: parseArguments(tool.function.arguments), arguments_delta: call.function.arguments });
        }
      }
    }
    for (const entry of finished) {
      if (entry.index !== 0) continue;
      if (entry.message.content !== null) emit("content.done", { content: entry.message.content, parsed: null });
      if (entry.message.refusal !== null) emit("refusal.done", { refusal: entry.message.refusal });
      entry.message.tool_calls?.forEach((tool, index) => {
        emit("tool_calls.function.arguments.done", { name: tool.function.name, index, arguments: tool.function.arguments, parsed_arguments: parseArguments(tool.function.arguments) });
      });
    }
  }

  /** The whole completion, in OpenAI's shape; a choice the stream did not finish ends as "stop". Undefined before any chunk. */
  completion(): ChatCompletion | undefined {
    const snapshot = this.snapshot;
    if (!snapshot) return undefined;
    return {
      id: snapshot.id,
      object: "chat.completion",
      created: snapshot.created,
      model: snapshot.model,
      choices: snapshot.choices.map((entry) => ({
        index: entry.index,
        // Empty text beside tool calls is no text, as OpenAI's answers say it (content null).
        message: { ...entry.message, ...(entry.message.tool_calls ? { content: entry.message.content || null, tool_calls: entry.message.tool_calls.filter(Boolean) } : {}) },
        finish_reason: entry.finish_reason ?? "stop",
        logprobs: entry.logprobs,
      })),
      ...(snapshot.usage ? { usage: snapshot.usage } : {}),
      ...(snapshot.system_fingerprint === undefined ? {} : { system_fingerprint: snapshot.system_fingerprint }),
    };
  }
}

/**
 * One run of `chat.completions.stream()`: opens the stream, folds and emits each chunk, keeps the chunks for the
 * helper's iterators (each reads them from the first), then emits the completion's events (`chatCompletion`,
 * `message`, `finalChatCompletion`, `finalContent`, `finalMessage`, `totalUsage`) and `end`. A failure (an abort
 * included: a plain abort ends the chunk loop quietly, but the helper fails) emits `abort` (if aborted), `error` and
 * `end` and rejects `result`; one nobody listens or waits for also surfaces as an unhandled rejection, as in the
 * official client.
 * @example
 * const run = mesh.chatStreamRun(host, (signal) => client.chat.completions.create({ ...body, stream: true }, { signal }));
 * console.log((await run.result).choices[0]?.message.content);
 */
export class ChatStreamRun {
  readonly folding = new ChatStreamSnapshot();
  readonly result: Promise<ChatCompletion>;
  readonly #chunks = new ChunkLog<ChatCompletionChunk>();

  constructor(host: ChatStreamHost, open: (signal: AbortSignal) => Promise<AsyncIterable<ChatCompletionChunk>>) {
    this.result = this.#drive(host, open);
    // Failures reach the listeners and whoever awaits (see #drive); this promise itself is never left unhandled.
    this.result.catch(() => {});
  }

  async #drive(host: ChatStreamHost, open: (signal: AbortSignal) => Promise<AsyncIterable<ChatCompletionChunk>>): Promise<ChatCompletion> {
    const { emit, signal } = host;
    try {
      const stream = await open(signal);
      emit("connect");
      for await (const chunk of stream) {
        this.#chunks.push(chunk);
        this.folding.push(chunk, emit);
      }
      if (signal.aborted) throw signal.reason;
      const completion = this.folding.completion();
      if (!completion) throw new Error("the stream ended without a chunk");
      this.#chunks.end();
      const message = completion.choices[0]?.message;
      emit("chatCompletion", completion);
      if (message) emit("message", message);
      emit("finalChatCompletion", completion);
      if (typeof message?.content === "string") emit("finalContent", message.content);
      if (message) emit("finalMessage", message);
      if (completion.usage) emit("totalUsage", completion.usage);
      host.mark("ended");
      emit("end");
      return completion;
    } catch (error) {
      const seen = host.seen();
      this.#chunks.end({ error });
      host.mark("errored");
      if (signal.aborted) {
        host.mark("aborted");
        emit("abort", error);
      }
      emit("error", error);
      host.mark("ended");
      emit("end");
      if (!seen) void Promise.reject(error);
      throw error;
    }
  }

  /** The chunk at `index` once it arrived; done after the last; the failure once the chunks before it were read. */
  chunk(index: number): Promise<IteratorResult<ChatCompletionChunk, undefined>> {
    return this.#chunks.at(index);
  }
}

/** Arguments as JSON when they are complete JSON so far, else null (the official client parses partial JSON; we do not). */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
