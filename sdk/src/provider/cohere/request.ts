/**
 * OpenAI chat request → Cohere v2 chat request (`POST /v2/chat`), and OpenAI embeddings → `POST /v2/embed`.
 *
 * | OpenAI                                        | Cohere v2                                                     |
 * |-----------------------------------------------|---------------------------------------------------------------|
 * | `messages[role=system/developer]`             | `{role:"system", content}` (text)                              |
 * | `messages[role=user]` text / image_url        | `{role:"user", content}`: a string, or `[{type:"text"}, {type:"image_url", image_url:{url}}]` |
 * | `messages[role=assistant]` text / `tool_calls` | `{role:"assistant", content}`; with tool calls `{role:"assistant", tool_plan?, tool_calls:[{id, type:"function", function:{name, arguments}}]}` (the text before the calls is Cohere's plan, as its own answers carry it) |
 * | `messages[role=tool]`                         | `{role:"tool", tool_call_id, content}`                          |
 * | `max_completion_tokens` / `max_tokens`        | `max_tokens`                                                    |
 * | `stop`                                        | `stop_sequences`                                                |
 * | `top_p`                                       | `p`                                                             |
 * | `temperature`, `seed`, `frequency_penalty`, `presence_penalty`, `stream` | same names                           |
 * | `tools[].function{name,description,parameters}` | `tools[]{type:"function", function:{name, description, parameters}}` (same shape) |
 * | `tool_choice` required / none                 | `"REQUIRED"` / `"NONE"`; auto is the default (omitted); a named function is narrowed to that tool + REQUIRED |
 * | `response_format` json_object / json_schema   | `{type:"json_object"}` / `{type:"json_object", json_schema}`    |
 * | `n > 1`, `logprobs`, `audio` parts            | not offered → `unsupported_parameter` (fail over)              |
 * | `user`, `parallel_tool_calls`, `logit_bias`, `stream_options`, `metadata` | no equivalent; dropped (Cohere rejects unknown keys) |
 */
import { InvalidRequestError } from "../../wire/error-base.js";
import { chosenFunctionName } from "../../wire/tool-choice.js";
import type { ChatCompletionCreateParams, ChatCompletionMessageParam, EmbeddingCreateParams } from "../../wire/types.js";
import { contentPieces, messageText, unsupported } from "../content-parts.js";
import { isRecord } from "../provider-config.js";

/** One Cohere v2 message as sent. */
export type CohereMessage = Record<string, unknown> & { role: "system" | "user" | "assistant" | "tool" };

function userContent(message: ChatCompletionMessageParam, providerId: string): string | Array<Record<string, unknown>> {
  const pieces = contentPieces(message, providerId);
  if (pieces.every((piece) => piece.kind === "text")) return pieces.map((piece) => (piece.kind === "text" ? piece.text : "")).join("");
  return pieces.map((piece) => {
    if (piece.kind === "text") return { type: "text", text: piece.text };
    const url = piece.image.kind === "inline" ? `data:${piece.image.mediaType};base64,${piece.image.data}` : piece.image.url;
    return { type: "image_url", image_url: { url } };
  });
}

function toCohereMessage(message: ChatCompletionMessageParam, providerId: string): CohereMessage {
  switch (message.role) {
    case "system":
    case "developer":
      return { role: "system", content: messageText(message, providerId) };
    case "user":
      return { role: "user", content: userContent(message, providerId) };
    case "assistant": {
      const text = messageText(message, providerId);
      const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
      return {
        role: "assistant",
        ...(calls.length === 0 ? { content: text } : text !== "" ? { tool_plan: text } : {}),
        ...(calls.length > 0
          ? { tool_calls: calls.map((call) => functionCall(call)) }
          : {}),
      };
    }
    case "tool":
      return { role: "tool", tool_call_id: message.tool_call_id, content: messageText(message, providerId) };
    default:
      throw unsupported(providerId, `a message with role "${(message as { role: string }).role}"`);
  }
}

/**
 * The body of `POST /v2/chat` for an OpenAI chat request.
 * @example
 * toCohereRequest({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }], top_p: 0.9 }, "cohere");
 * // { model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }], p: 0.9 }
 */
export function toCohereRequest(request: ChatCompletionCreateParams, providerId: string): Record<string, unknown> {
  if ((request.n ?? 1) > 1) throw unsupported(providerId, "n > 1");
  if (request.logprobs === true) throw unsupported(providerId, "logprobs");
  let tools = request.tools?.filter((tool) => tool.type === "function");
  let toolChoice: string | undefined;
  const choice = request.tool_choice;
  const named = chosenFunctionName(choice);
  if (choice === "required") toolChoice = "REQUIRED";
  else if (choice === "none") toolChoice = "NONE";
  else if (named !== undefined) {
    // Cohere cannot name one tool: offer only that tool, and require a call.
    tools = tools?.filter((tool) => tool.function.name === named);
    toolChoice = "REQUIRED";
  }
  const format = request.response_format;
  const stop = request.stop;
  const body: Record<string, unknown> = {
    model: request.model,
    messages: request.messages.map((message) => toCohereMessage(message, providerId)),
    ...(request.stream === true ? { stream: true } : {}),
    ...((request.max_completion_tokens ?? request.max_tokens) != null ? { max_tokens: request.max_completion_tokens ?? request.max_tokens } : {}),
    ...(request.temperature != null ? { temperature: request.temperature } : {}),
    ...(request.top_p != null ? { p: request.top_p } : {}),
    ...(request.seed != null ? { seed: request.seed } : {}),
    ...(request.frequency_penalty != null ? { frequency_penalty: request.frequency_penalty } : {}),
    ...(request.presence_penalty != null ? { presence_penalty: request.presence_penalty } : {}),
    ...(stop != null ? { stop_sequences: typeof stop === "string" ? [stop] : stop } : {}),
    ...(tools && tools.length > 0 ? { tools: tools.map((tool) => ({ type: "function", function: { name: tool.function.name, ...(tool.function.description ? { description: tool.function.description } : {}), parameters: tool.function.parameters ?? { type: "object", properties: {} } } })) } : {}),
    ...(toolChoice && tools && tools.length > 0 ? { tool_choice: toolChoice } : {}),
  };
  if (isRecord(format) && format.type === "json_object") body.response_format = { type: "json_object" };
  if (isRecord(format) && format.type === "json_schema" && isRecord(format.json_schema)) body.response_format = { type: "json_object", json_schema: format.json_schema.schema ?? {} };
  return body;
}

/**
 * The body of `POST /v2/embed`: floats, and `input_type` (required by Cohere's v3+ models) from the request's
 * `input_type` when given, otherwise `search_document`.
 * @example
 * toCohereEmbedRequest({ model: "embed-v4.0", input: ["a", "b"] }, "cohere"); // { model, texts: ["a","b"], input_type: "search_document", embedding_types: ["float"] }
 */
export function toCohereEmbedRequest(request: EmbeddingCreateParams, providerId: string): Record<string, unknown> {
  const input = request.input;
  const texts = typeof input === "string" ? [input] : Array.isArray(input) && input.every((item) => typeof item === "string") ? (input as string[]) : undefined;
  if (!texts) throw unsupported(providerId, "token-array embedding input");
  const inputType = (request as { input_type?: unknown }).input_type;
  return {
    model: request.model,
    texts,
    input_type: typeof inputType === "string" ? inputType : "search_document",
    embedding_types: ["float"],
    ...(request.dimensions != null ? { output_dimension: request.dimensions } : {}),
  };
}

/** A call as Cohere takes it (OpenAI's function shape); a custom tool's call has no function to send. */
function functionCall(call: { id: string; type: string }): Record<string, unknown> {
  const fn: unknown = (call as { function?: unknown }).function;
  if (!isRecord(fn)) throw new InvalidRequestError("tool_calls: each call needs function.name (Cohere takes function tools only)", "messages");
  return { id: call.id, type: "function", function: { name: fn.name, arguments: fn.arguments } };
}
