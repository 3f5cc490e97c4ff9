/**
 * Reading OpenAI message content for translators to other wire formats (Anthropic, Gemini): text of a message,
 * images as URL or inline bytes, tool-call arguments as objects, and the base URL rule every provider shares.
 */
import { ProviderError } from "../wire/errors.js";
import { InvalidRequestError } from "../wire/error-base.js";
import type { ChatCompletionFunctionTool, ChatCompletionMessageParam, ChatCompletionTool } from "../wire/types.js";
import { isRecord } from "./provider-config.js";

/** An image from an `image_url` part: inline bytes (a `data:` URL) or a link the service fetches itself. */
export type ImageSource = { kind: "inline"; mediaType: string; data: string } | { kind: "url"; url: string };

/** One piece of user or assistant content, in the order given. */
export type ContentPiece = { kind: "text"; text: string } | { kind: "image"; image: ImageSource };

/**
 * Splits a `data:<media type>;base64,<bytes>` URL; any other URL is a link.
 * @example
 * imageSource("data:image/png;base64,iVBORw0KGgo="); // { kind: "inline", mediaType: "image/png", data: "iVBORw0KGgo=" }
 */
export function imageSource(url: string): ImageSource {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match) return { kind: "inline", mediaType: match[1] ?? "application/octet-stream", data: match[2] ?? "" };
  if (url.startsWith("data:")) throw new InvalidRequestError("image_url: only base64 data URLs are supported (data:<type>;base64,...)", "messages");
  return { kind: "url", url };
}

/**
 * A message's content as text and image pieces; parts the target cannot take (audio, files) are a typed error
 * naming the part, never silently dropped.
 * @example
 * contentPieces({ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url } }] }, "anthropic");
 */
export function contentPieces(message: ChatCompletionMessageParam, providerId: string): ContentPiece[] {
  const content = message.content;
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ kind: "text", text: content }];
  if (!Array.isArray(content)) throw new InvalidRequestError(`messages: content must be a string or an array of parts`, "messages");
  return content.map((given): ContentPiece => {
    // Read as a plain record: a part of another kind (`file`, future ones) has fields the types do not name.
    const part: unknown = given;
    if (isRecord(part) && part.type === "text" && typeof part.text === "string") return { kind: "text", text: part.text };
    if (isRecord(part) && part.type === "image_url" && isRecord(part.image_url) && typeof part.image_url.url === "string") {
      return { kind: "image", image: imageSource(part.image_url.url) };
    }
    if (isRecord(part) && part.type === "refusal" && typeof part.refusal === "string") return { kind: "text", text: part.refusal };
    const type = isRecord(part) ? String(part.type) : typeof part;
    throw unsupported(providerId, `content part "${type}"`);
  });
}

/**
 * The text of a message (text parts joined), for roles that take text only (system, tool).
 * @example
 * messageText({ role: "system", content: [{ type: "text", text: "Be brief." }] }, "anthropic"); // "Be brief."
 */
export function messageText(message: ChatCompletionMessageParam, providerId: string): string {
  return contentPieces(message, providerId)
    .map((piece) => {
      if (piece.kind === "text") return piece.text;
      throw unsupported(providerId, `an image in a ${message.role} message`);
    })
    .join("");
}

/**
 * A tool call's `arguments` (a JSON text) as the object other services expect; bad JSON is the caller's error.
 * @example
 * toolArguments('{"city":"Paris"}'); // { city: "Paris" }
 */
export function toolArguments(text: unknown): Record<string, unknown> {
  if (text === undefined || text === null || (typeof text === "string" && text.trim() === "")) return {};
  if (typeof text !== "string") throw new InvalidRequestError("tool_calls: function.arguments must be a string of JSON", "messages");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`tool_calls: function.arguments is not valid JSON: ${text.slice(0, 80)}`, "messages");
  }
  if (!isRecord(parsed)) throw new InvalidRequestError("tool_calls: function.arguments must be a JSON object", "messages");
  return parsed;
}

/**
 * "This model cannot take this request": the router fails over to another model rather than failing the call.
 * @example
 * throw unsupported("anthropic", "n > 1");
 */
export function unsupported(providerId: string, what: string): ProviderError {
  return new ProviderError(`${providerId} does not support ${what}`, { providerId }, { code: "unsupported_parameter", retryable: false });
}

/**
 * A base URL as a user pastes it from the provider's docs, with or without the version segment: the segment is
 * added when the path does not already end with a version (`/v1`, `/v1beta`, `/v2alpha`...).
 * @example
 * withVersionSegment("https://api.anthropic.com", "/v1");    // "https://api.anthropic.com/v1"
 * withVersionSegment("https://api.anthropic.com/v1/", "/v1"); // "https://api.anthropic.com/v1"
 */
export function withVersionSegment(baseUrl: string, segment: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  if (trimmed === "") return trimmed;
  return /\/v\d+(?:(?:alpha|beta)\d*)?$/i.test(trimmed) ? trimmed : `${trimmed}${segment}`;
}

/**
 * A copy of a provider configuration whose base URL (camelCase or snake_case) carries the version segment.
 * @example
 * configWithVersion({ base_url: "https://api.groq.com/openai" }, "https://api.groq.com/openai/v1", "/v1").baseUrl;
 * // "https://api.groq.com/openai/v1"
 */
export function configWithVersion<T extends Record<string, unknown>>(config: T, defaultBaseUrl: string, segment: string): T & { baseUrl: string } {
  const given = typeof config.baseUrl === "string" && config.baseUrl !== "" ? config.baseUrl : typeof config.base_url === "string" && config.base_url !== "" ? config.base_url : defaultBaseUrl;
  const { base_url: _snake, ...rest } = config;
  return { ...(rest as T), baseUrl: withVersionSegment(given, segment) };
}

/**
 * The function tools of a request, for services that take only those: a custom (free-text) tool is refused with
 * `unsupported_parameter`, so the request fails over to a model that takes it.
 * @example
 * functionTools(request.tools, "anthropic").map((tool) => tool.function.name);
 */
export function functionTools(tools: readonly ChatCompletionTool[], providerId: string): ChatCompletionFunctionTool[] {
  for (const tool of tools) if (tool.type !== "function") throw unsupported(providerId, `${String(tool.type)} tools (only function tools)`);
  return tools as ChatCompletionFunctionTool[];
}
