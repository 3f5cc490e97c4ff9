/**
 * Anthropic prefill: a Messages request whose last turn is `assistant` makes Claude continue that text instead of
 * answering it, which is how a stream broken elsewhere is finished on Claude (`features.assistantPrefix`). Three
 * rules of the service shape it:
 * - Claude 4.6 and later answer 400 "This model does not support assistant message prefill. The conversation must
 *   end with a user message." (platform.claude.com, "What's new in Claude 4.6": prefill removal); earlier models
 *   continue it. `allowsPrefill` says which is which from the model id.
 * - With extended thinking on, a final assistant turn must start with a thinking block (400 otherwise), so a text
 *   prefill is never sent with `thinking` enabled.
 * - "messages: final assistant content cannot end with trailing whitespace" (400): the prefill is sent without its
 *   trailing whitespace, and Claude, continuing from the shorter text, usually starts its answer with that
 *   whitespace again. `WhitespaceMatcher` drops as much of the answer's leading whitespace as the caller already
 *   has (the stripped part), so the caller receives exactly the text that follows what it sent: none doubled, none lost.
 */
import type { ChatCompletionCreateParams } from "../../wire/types.js";
import { isRecord } from "../provider-config.js";

const FAMILIES = "opus|sonnet|haiku";
// Both id schemes Anthropic has used: `claude-3-5-haiku-latest` (version first) and `claude-sonnet-4-5` /
// `claude-sonnet-4-20250514` (family first; a dated snapshot's 8 digits are not a minor version).
const VERSION_FIRST = new RegExp(`^claude-(\\d+)(?:-(\\d))?-(?:${FAMILIES})(?:-|$)`);
const FAMILY_FIRST = new RegExp(`^claude-(?:${FAMILIES})-(\\d+)(?:-(\\d{1,2}))?(?=-|$)`);

/**
 * Whether Anthropic continues a trailing assistant message on this model: Claude 3.x up to 4.5 do; 4.6 and later
 * reject it with a 400, and an id this rule cannot read is treated as rejecting (a prefill is never risked).
 * @example
 * allowsPrefill("claude-haiku-4-5"); // true
 * allowsPrefill("claude-opus-4-6"); // false
 */
export function allowsPrefill(modelId: string): boolean {
  const match = VERSION_FIRST.exec(modelId) ?? FAMILY_FIRST.exec(modelId);
  if (!match) return false;
  const major = Number(match[1]);
  const minor = match[2] === undefined ? 0 : Number(match[2]);
  return major < 4 || (major === 4 && minor < 6);
}

/**
 * Whether the request turns extended thinking on (Anthropic's own `thinking` parameter, passed through).
 * @example
 * thinkingEnabled({ model: "claude-sonnet-4-5", messages, thinking: { type: "enabled", budget_tokens: 2048 } }); // true
 */
export function thinkingEnabled(request: ChatCompletionCreateParams): boolean {
  const thinking = request.thinking;
  return isRecord(thinking) && (thinking.type === "enabled" || thinking.type === "adaptive");
}

/**
 * The trailing whitespace of a prefill (the text of a final assistant message without tool calls), which is not
 * sent and which the answer must not repeat; "" when the request is no prefill or its text ends cleanly.
 * @example
 * prefillTail({ model, messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Sure: " }] }); // " "
 */
export function prefillTail(request: ChatCompletionCreateParams): string {
  const last = request.messages.at(-1);
  if (!last || last.role !== "assistant" || (Array.isArray(last.tool_calls) && last.tool_calls.length > 0)) return "";
  const content = last.content;
  const lastPart: unknown = Array.isArray(content) ? content.at(-1) : undefined;
  // Only a text part at the very end is the text Anthropic's final content ends with.
  const text = typeof content === "string" ? content : isRecord(lastPart) && lastPart.type === "text" ? lastPart.text : undefined;
  if (typeof text !== "string") return "";
  return /\s+$/.exec(text)?.[0] ?? "";
}

/**
 * Drops from the start of an answer the whitespace the caller already has (the prefill's stripped tail), as far as
 * the answer repeats it, across as many text pieces as that takes; from the first character that differs, text
 * passes unchanged.
 * @example
 * const matcher = new WhitespaceMatcher(" ");
 * matcher.take(" tell"); // "tell"
 * matcher.take(" me");   // " me"
 */
export class WhitespaceMatcher {
  #pending: string;
  constructor(tail: string) {
    this.#pending = tail;
  }

  /** The part of `text` to deliver. */
  take(text: string): string {
    if (this.#pending === "") return text;
    let index = 0;
    while (index < text.length && index < this.#pending.length && text[index] === this.#pending[index]) index += 1;
    // Once the answer shows a character of its own (or repeated the whole tail), matching is over for good.
    this.#pending = index === text.length ? this.#pending.slice(index) : "";
    return text.slice(index);
  }
}
