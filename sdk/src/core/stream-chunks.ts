import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, FinishReason } from "./types.js";

/** Why the continuation asks in words: not every service continues a trailing assistant message by itself. */
const CONTINUE_INSTRUCTION = "Your previous reply was cut off. Continue it from exactly where it stopped, without repeating any of it.";

/**
 * The request that resumes a broken stream on another model: the original conversation, the text
 * already delivered as the assistant's partial reply, and an instruction to go on from there.
 */
export function continuationRequest(body: ChatCompletionCreateParams, delivered: string): ChatCompletionCreateParams {
  return {
    ...body,
    messages: [...body.messages, { role: "assistant", content: delivered }, { role: "user", content: CONTINUE_INSTRUCTION }],
  };
}

/**
 * Drops text a continuing model repeats. Models asked to continue sometimes start over; until the new
 * text either diverges from what was delivered or runs past it, it is held back, then released
 * without the repeated part.
 */
export class ContinuationFilter {
  #pending = "";
  #decided = false;
  constructor(private readonly delivered: string) {}

  push(text: string): string {
    if (this.#decided) return text;
    this.#pending += text;
    const pending = this.#pending;
    if (pending.length < this.delivered.length && this.delivered.startsWith(pending)) return "";
    this.#decided = true;
    this.#pending = "";
    return pending.startsWith(this.delivered) ? pending.slice(this.delivered.length) : pending;
  }

  /** Text still held back when the stream ended (a continuation shorter than what was delivered). */
  flush(): string {
    if (this.#decided) return "";
    this.#decided = true;
    // It was a prefix of what the caller already has: nothing new.
    return "";
  }
}

/** Builds the whole completion from its chunks (for afterResponse hooks on streams). */
export function assembleCompletion(chunks: readonly ChatCompletionChunk[], model: string): ChatCompletion {
  const first = chunks[0];
  const byIndex = new Map<number, { content: string; finish: FinishReason | null; toolCalls: Map<number, { id: string; name: string; arguments: string }> }>();
  let usage: ChatCompletion["usage"];
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      const entry = byIndex.get(choice.index) ?? { content: "", finish: null, toolCalls: new Map() };
      byIndex.set(choice.index, entry);
      if (typeof choice.delta.content === "string") entry.content += choice.delta.content;
      if (choice.finish_reason) entry.finish = choice.finish_reason;
      for (const call of choice.delta.tool_calls ?? []) {
        const tool = entry.toolCalls.get(call.index) ?? { id: "", name: "", arguments: "" };
        entry.toolCalls.set(call.index, tool);
        if (call.id) tool.id = call.id;
        if (call.function?.name) tool.name += call.function.name;
        if (call.function?.arguments) tool.arguments += call.function.arguments;
      }
    }
  }
  return {
    id: first?.id ?? "",
    object: "chat.completion",
    created: first?.created ?? Math.floor(Date.now() / 1000),
    model: chunks.at(-1)?.model ?? model,
    choices: [...byIndex.entries()].map(([index, entry]) => ({
      index,
      message: {
        role: "assistant",
        content: entry.toolCalls.size && !entry.content ? null : entry.content,
        refusal: null,
        ...(entry.toolCalls.size
          ? { tool_calls: [...entry.toolCalls.values()].map((tool) => ({ id: tool.id, type: "function" as const, function: { name: tool.name, arguments: tool.arguments } })) }
          : {}),
      },
      finish_reason: entry.finish ?? "stop",
      logprobs: null,
    })),
    ...(usage ? { usage } : {}),
  };
}

/**
 * Makes a chunk part of the one stream the caller sees: the first stream's id and created time, no usage the caller
 * did not ask for, no second role delta, and no text a continuing model repeats.
 */
export function shapeChunk(chunk: ChatCompletionChunk, identity: { id: string; created: number }, wantsUsage: boolean, filter: ContinuationFilter | undefined, stripRole: boolean): ChatCompletionChunk | undefined {
    if (!wantsUsage && chunk.choices.length === 0) return undefined;
    const shaped: ChatCompletionChunk = { ...chunk, id: identity.id, created: identity.created };
    if (!wantsUsage) delete shaped.usage;
    if (!filter && !stripRole) return shaped;
    shaped.choices = shaped.choices.map((choice) => {
      const { role, ...rest } = choice.delta;
      const delta = stripRole ? rest : { ...rest, ...(role ? { role } : {}) };
      if (filter && choice.index === 0 && typeof delta.content === "string") delta.content = filter.push(delta.content);
      return { ...choice, delta };
    });
    const empty = shaped.choices.every((choice) => !choice.finish_reason && !choice.delta.content && !choice.delta.tool_calls && !choice.delta.refusal && !choice.delta.role);
    return empty && !shaped.usage ? undefined : shaped;
  }

/** A content-only chunk (text a continuation held back until its stream ended). */
export function textChunk(identity: { id: string; created: number }, model: string, text: string): ChatCompletionChunk {
    return { id: identity.id, object: "chat.completion.chunk", created: identity.created, model, choices: [{ index: 0, delta: { content: text }, finish_reason: null, logprobs: null }] };
  }
