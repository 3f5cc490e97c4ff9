import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from "../wire/types.js";
import { ChatStreamSnapshot } from "./chat-stream-snapshot.js";

/**
 * The request that resumes a broken stream on a model that extends an assistant prefix
 * (`features.assistantPrefix`): the original conversation with the text already delivered as the assistant's
 * partial reply, and nothing else (no instruction in words: the provider marks the message as a prefix).
 * @example
 * provider.chatStream(continuationRequest(body, delivered), { continueAssistant: true });
 */
export function continuationRequest(body: ChatCompletionCreateParams, delivered: string): ChatCompletionCreateParams {
  return { ...body, messages: [...body.messages, { role: "assistant", content: delivered }] };
}

/**
 * Lets a restarted answer through only where it provably extends what the caller already has: text is held back
 * while it repeats the delivered text, then released without the repeated part. An answer that departs from the
 * delivered text (or ends before reaching its end) cannot be joined to it: `push`/`finish` return `null`.
 * @example
 * const filter = new RestartFilter("The quick");
 * filter.push("The qu");      // "" (held back)
 * filter.push("ick brown");   // " brown"
 */
export class RestartFilter {
  #pending = "";
  #decided = false;
  constructor(private readonly delivered: string) {}

  /** The new part of `text`, "" while still repeating, or `null` once the answer diverged. */
  push(text: string): string | null {
    if (this.#decided) return text;
    this.#pending += text;
    const pending = this.#pending;
    if (pending.length <= this.delivered.length) return this.delivered.startsWith(pending) ? "" : null;
    if (!pending.startsWith(this.delivered)) return null;
    this.#decided = true;
    this.#pending = "";
    return pending.slice(this.delivered.length);
  }

  /** At the end of the restarted answer: true when it reached (at least) the end of the delivered text. */
  finish(): boolean {
    return this.#decided || this.#pending === this.delivered;
  }
}

/** Builds the whole completion from its chunks (for afterResponse hooks on streams), folded as `chat.completions.stream()` folds them. */
export function assembleCompletion(chunks: readonly ChatCompletionChunk[], model: string): ChatCompletion {
  const folding = new ChatStreamSnapshot();
  for (const chunk of chunks) folding.push(chunk);
  return folding.completion() ?? { id: "", object: "chat.completion", created: Math.floor(Date.now() / 1000), model, choices: [] };
}

/**
 * Makes a chunk part of the one stream the caller sees: the first stream's id and created time, no usage the caller
 * did not ask for, no second role delta, and no text a restarted answer repeats. `undefined`: nothing to send;
 * `null`: a restarted answer departed from the delivered text.
 */
export function shapeChunk(chunk: ChatCompletionChunk, identity: { id: string; created: number }, wantsUsage: boolean, filter: RestartFilter | undefined, stripRole: boolean): ChatCompletionChunk | undefined | null {
    if (!wantsUsage && chunk.choices.length === 0) return undefined;
    // The common case (one stream, its own id, usage wanted or absent): nothing to change, so no copy per chunk.
    if (!filter && !stripRole && chunk.id === identity.id && chunk.created === identity.created && (wantsUsage || !("usage" in chunk))) return chunk;
    const shaped: ChatCompletionChunk = { ...chunk, id: identity.id, created: identity.created };
    if (!wantsUsage) delete shaped.usage;
    if (!filter && !stripRole) return shaped;
    let diverged = false;
    shaped.choices = shaped.choices.map((choice) => {
      const { role, ...rest } = choice.delta;
      const delta = stripRole ? rest : { ...rest, ...(role ? { role } : {}) };
      if (filter && choice.index === 0 && typeof delta.content === "string") {
        const kept = filter.push(delta.content);
        if (kept === null) diverged = true;
        else delta.content = kept;
      }
      return { ...choice, delta };
    });
    if (diverged) return null;
    const empty = shaped.choices.every((choice) => !choice.finish_reason && !choice.delta.content && !choice.delta.tool_calls && !choice.delta.refusal && !choice.delta.role);
    return empty && !shaped.usage ? undefined : shaped;
  }



/**
 * The chunk that ends a stream asked for with `include_usage`, as OpenAI sends it: the usage, no choices. Made for a
 * service that puts its usage on the finish chunk instead (Groq, Mistral, DeepSeek).
 * @example
 * usageChunkOf(finishChunk); // { id, object: "chat.completion.chunk", created, model, choices: [], usage }
 */
export function usageChunkOf(chunk: ChatCompletionChunk): ChatCompletionChunk {
  return {
    id: chunk.id,
    object: "chat.completion.chunk",
    created: chunk.created,
    model: chunk.model,
    ...(chunk.system_fingerprint === undefined ? {} : { system_fingerprint: chunk.system_fingerprint }),
    choices: [],
    usage: chunk.usage,
  };
}
