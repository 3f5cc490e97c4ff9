/**
 * OpenAI chat request → Anthropic Messages request (`POST /v1/messages`).
 *
 * | OpenAI                                   | Anthropic                                                        |
 * |------------------------------------------|------------------------------------------------------------------|
 * | `messages[role=system/developer]`        | `system` (joined with a blank line; Anthropic has no system role) |
 * | `messages[role=user]` text / image_url   | `{role:"user", content:[{type:"text"} / {type:"image",source}]}` |
 * | image `data:<type>;base64,...` / https   | `source: {type:"base64",media_type,data}` / `{type:"url",url}`   |
 * | `messages[role=assistant].tool_calls`    | `{type:"tool_use", id, name, input: JSON.parse(arguments)}`      |
 * | `messages[role=tool]`                    | user turn `{type:"tool_result", tool_use_id, content}` (merged)  |
 * | `max_completion_tokens` / `max_tokens`   | `max_tokens` (required: the model's maximum output when absent)  |
 * | `stop` (string or array)                 | `stop_sequences`                                                  |
 * | `temperature` (0–2), `top_p`, `stream`   | same names (`temperature` capped at Anthropic's maximum, 1)      |
 * | `tools[].function{name,description,parameters}` | `tools[]{name, description, input_schema}`               |
 * | `tool_choice` auto / required / none / `{function:{name}}` | `{type:"auto"}` / `{type:"any"}` / `{type:"none"}` / `{type:"tool",name}` |
 * | `parallel_tool_calls: false`             | `tool_choice.disable_parallel_tool_use: true`                    |
 * | `user`                                   | `metadata.user_id`                                               |
 * | `thinking` (Anthropic's own, passed through) | `thinking`                                                   |
 * | a final `assistant` message              | a prefill Claude continues, sent without trailing whitespace (`prefill.ts`); refused on models that reject prefill and with thinking on |
 * | `n > 1`, `logprobs`, `audio` parts, `response_format` json_object / json_schema | not offered by the Messages API → `unsupported_parameter` (fail over) |
 * | `seed`, `frequency_penalty`, `presence_penalty`, `logit_bias`, `response_format` text | no equivalent; dropped (hints, not contracts) |
 * Consecutive turns of the same role are merged, since the Messages API alternates user and assistant.
 */
import { InvalidRequestError } from "../../wire/error-base.js";
import { chosenFunctionName } from "../../wire/tool-choice.js";
import type { ChatCompletionCreateParams, ChatCompletionMessageParam } from "../../wire/types.js";
import { contentPieces, functionTools, messageText, toolArguments, unsupported, type ContentPiece } from "../content-parts.js";
import { isRecord } from "../provider-config.js";
import { thinkingEnabled } from "./prefill.js";

/** One Anthropic content block as sent. */
export type AnthropicBlock = Record<string, unknown> & { type: string };

/** One Anthropic turn. */
export interface AnthropicMessage {
  role: "user" | "assistant";
  content: AnthropicBlock[];
}

/** The body of `POST /v1/messages` this module builds. */
export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string;
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  tool_choice?: Record<string, unknown>;
  metadata?: { user_id: string };
  thinking?: Record<string, unknown>;
}

/**
 * `max_tokens` when neither the caller nor the model list gives one: the smallest maximum output among current
 * Claude models (Claude 3 Haiku), so the request is valid on any of them.
 * @example
 * toAnthropicRequest(request, { defaultMaxTokens: DEFAULT_MAX_TOKENS, providerId: "anthropic" });
 */
export const DEFAULT_MAX_TOKENS = 4_096;

function block(piece: ContentPiece): AnthropicBlock {
  if (piece.kind === "text") return { type: "text", text: piece.text };
  const { image } = piece;
  return image.kind === "inline"
    ? { type: "image", source: { type: "base64", media_type: image.mediaType, data: image.data } }
    : { type: "image", source: { type: "url", url: image.url } };
}

function assistantBlocks(message: ChatCompletionMessageParam, providerId: string): AnthropicBlock[] {
  const blocks = contentPieces(message, providerId).map(block);
  for (const call of message.tool_calls ?? []) {
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string") throw new InvalidRequestError("tool_calls: each call needs function.name", "messages");
    blocks.push({ type: "tool_use", id: String(call.id), name: call.function.name, input: toolArguments(call.function.arguments) });
  }
  return blocks;
}

function toolResultBlock(message: ChatCompletionMessageParam, providerId: string): AnthropicBlock {
  if (typeof message.tool_call_id !== "string" || message.tool_call_id === "") throw new InvalidRequestError("a tool message needs tool_call_id", "messages");
  return { type: "tool_result", tool_use_id: message.tool_call_id, content: messageText(message, providerId) };
}

function toolChoice(request: ChatCompletionCreateParams): Record<string, unknown> | undefined {
  const choice = request.tool_choice;
  const named = chosenFunctionName(choice);
  let mapped: Record<string, unknown> | undefined;
  if (choice === "auto") mapped = { type: "auto" };
  else if (choice === "required") mapped = { type: "any" };
  else if (choice === "none") mapped = { type: "none" };
  else if (named !== undefined) mapped = { type: "tool", name: named };
  if (request.parallel_tool_calls === false && mapped?.type !== "none") mapped = { ...(mapped ?? { type: "auto" }), disable_parallel_tool_use: true };
  return mapped;
}

/**
 * Translates an OpenAI chat request into an Anthropic Messages body.
 * @example
 * toAnthropicRequest({ model: "claude-haiku-4-5", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] }, { defaultMaxTokens: 64000, providerId: "anthropic" });
 * // { model: "claude-haiku-4-5", max_tokens: 64000, system: "Be brief.", messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] }
 */
export function toAnthropicRequest(request: ChatCompletionCreateParams, options: { defaultMaxTokens: number; providerId: string; allowsPrefill?: boolean }): AnthropicRequest {
  const { providerId } = options;
  if (typeof request.n === "number" && request.n > 1) throw unsupported(providerId, "n > 1 (one choice per request)");
  if (request.logprobs === true) throw unsupported(providerId, "logprobs");
  // No JSON mode in the Messages API: a JSON-mode request is refused here rather than answered with free text.
  if (request.response_format?.type === "json_object" || request.response_format?.type === "json_schema") throw unsupported(providerId, `response_format ${request.response_format.type}`);
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: "user" | "assistant", blocks: AnthropicBlock[]) => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const message of request.messages) {
    if (message.role === "system" || message.role === "developer") system.push(messageText(message, providerId));
    else if (message.role === "user") push("user", contentPieces(message, providerId).map(block));
    else if (message.role === "assistant") push("assistant", assistantBlocks(message, providerId));
    else if (message.role === "tool") push("user", [toolResultBlock(message, providerId)]);
    else throw new InvalidRequestError(`messages: role "${String(message.role)}" is not supported`, "messages");
  }
  if (messages.at(-1)?.role === "assistant") preparePrefill(messages, request, options);
  if (messages.length === 0) throw new InvalidRequestError("messages: at least one user message is needed", "messages");
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? options.defaultMaxTokens;
  const body: AnthropicRequest = { model: request.model, max_tokens: maxTokens, messages };
  if (system.length > 0) body.system = system.join("\n\n");
  if (request.stream === true) body.stream = true;
  // Anthropic takes 0–1 where OpenAI takes 0–2: above 1 is sent as 1 (the most random Anthropic allows) rather than refused.
  if (typeof request.temperature === "number") body.temperature = Math.min(request.temperature, 1);
  if (typeof request.top_p === "number") body.top_p = request.top_p;
  if (typeof request.stop === "string") body.stop_sequences = [request.stop];
  else if (Array.isArray(request.stop) && request.stop.length > 0) body.stop_sequences = request.stop;
  // Tools stay defined with tool_choice "none": Anthropic rejects tool_use/tool_result history without them.
  if (request.tools && request.tools.length > 0) {
    body.tools = functionTools(request.tools, providerId).map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      input_schema: tool.function.parameters ?? { type: "object", properties: {} },
    }));
  }
  const choice = toolChoice(request);
  if (choice && body.tools) body.tool_choice = choice;
  if (typeof request.user === "string" && request.user !== "") body.metadata = { user_id: request.user };
  if (isRecord(request.thinking)) body.thinking = request.thinking;
  return body;
}

/**
 * A final assistant turn is a prefill: refused (before anything is sent) where Anthropic would answer 400, else sent
 * without the trailing whitespace Anthropic rejects; a turn left empty is dropped. The answer's matching leading
 * whitespace is dropped on the way back (`WhitespaceMatcher`).
 */
function preparePrefill(messages: AnthropicMessage[], request: ChatCompletionCreateParams, options: { providerId: string; allowsPrefill?: boolean }): void {
  if (options.allowsPrefill !== true) throw unsupported(options.providerId, `a final assistant message (prefill) on ${request.model}, which must end with a user message`);
  if (thinkingEnabled(request)) throw unsupported(options.providerId, "a final assistant message (prefill) with thinking enabled");
  const turn = messages.at(-1) as AnthropicMessage;
  const last = turn.content.at(-1);
  if (last?.type !== "text" || typeof last.text !== "string") return;
  const text = last.text.replace(/\s+$/, "");
  if (text !== "") turn.content[turn.content.length - 1] = { ...last, text };
  else turn.content.pop();
  if (turn.content.length === 0) messages.pop();
}
