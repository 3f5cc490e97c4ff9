/**
 * OpenAI chat request → Gemini `generateContent` request.
 *
 * | OpenAI                                   | Gemini                                                            |
 * |------------------------------------------|-------------------------------------------------------------------|
 * | `messages[role=system/developer]`        | `systemInstruction: {parts:[{text}]}`                             |
 * | `messages[role=user]`                    | `contents[{role:"user", parts}]`                                  |
 * | `messages[role=assistant]`               | `contents[{role:"model", parts}]`                                 |
 * | text / `image_url` `data:` URL           | `{text}` / `{inlineData:{mimeType, data}}`                        |
 * | `image_url` on a Gemini File API URI     | `{fileData:{fileUri}}` (other URLs: `unsupported_parameter`)      |
 * | `assistant.tool_calls[]`                 | `{functionCall:{name, args}, thoughtSignature}` (signature kept from the answer, see `ThoughtSignatures`) |
 * | `messages[role=tool]`                    | user turn `{functionResponse:{name, response}}` (name from the matching tool call) |
 * | `temperature`, `top_p`, `seed`, `presence_penalty`, `frequency_penalty` | `generationConfig.temperature/topP/seed/presencePenalty/frequencyPenalty` |
 * | `max_completion_tokens` / `max_tokens`   | `generationConfig.maxOutputTokens`                                |
 * | `stop`, `n`                              | `generationConfig.stopSequences`, `candidateCount`                |
 * | `response_format` json_object / json_schema | `responseMimeType: "application/json"` (+ `responseJsonSchema`) |
 * | `tools[].function`                       | `tools: [{functionDeclarations: [{name, description, parameters}]}]` |
 * | `tool_choice` auto / required / none / `{function}` | `toolConfig.functionCallingConfig.mode` AUTO / ANY / NONE / ANY + `allowedFunctionNames` |
 * | `logprobs`, `audio` parts                | `unsupported_parameter` (fail over)                               |
 * Consecutive turns of the same role are merged (Gemini alternates user and model).
 */
import { InvalidRequestError } from "../../wire/error-base.js";
import { chosenFunctionName } from "../../wire/tool-choice.js";
import type { ChatCompletionCreateParams, ChatCompletionMessageParam } from "../../wire/types.js";
import { contentPieces, functionTools, messageText, toolArguments, unsupported, type ContentPiece } from "../content-parts.js";
import { isRecord } from "../provider-config.js";

/** One Gemini part as sent. */
export type GeminiPart = Record<string, unknown>;

/** One Gemini turn. */
export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiPart[];
}

/** Where a tool call's thought signature is looked up when the call comes back in the history. */
export type SignatureLookup = (toolCallId: string) => string | undefined;

/**
 * Google's documented placeholder for a function call whose signature is unknown (history from another model):
 * Gemini 3 rejects a replayed call without a signature (ai.google.dev/gemini-api/docs/thought-signatures).
 * @example
 * part.thoughtSignature = lookup(id) ?? SKIP_SIGNATURE;
 */
export const SKIP_SIGNATURE = "skip_thought_signature_validator";

const FILE_API = /^https:\/\/generativelanguage\.googleapis\.com\//;

function part(piece: ContentPiece, providerId: string): GeminiPart {
  if (piece.kind === "text") return { text: piece.text };
  const { image } = piece;
  if (image.kind === "inline") return { inlineData: { mimeType: image.mediaType, data: image.data } };
  if (FILE_API.test(image.url)) return { fileData: { fileUri: image.url } };
  throw unsupported(providerId, "image URLs other than data: URLs and Gemini File API URIs (send the bytes as a data: URL)");
}

/** JSON Schema keywords Gemini's OpenAPI-subset `parameters` rejects; removing them keeps the meaning it can use. */
const UNSUPPORTED_SCHEMA_KEYS = new Set(["$schema", "additionalProperties", "$id", "strict"]);

function cleanSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cleanSchema);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !UNSUPPORTED_SCHEMA_KEYS.has(key)).map(([key, item]) => [key, cleanSchema(item)]));
}

function functionResponse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // Plain text: wrapped below.
  }
  return { content: text };
}

function toolConfig(choice: ChatCompletionCreateParams["tool_choice"]): Record<string, unknown> | undefined {
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  const name = chosenFunctionName(choice);
  return name === undefined ? undefined : { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [name] } };
}

function generationConfig(request: ChatCompletionCreateParams): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const copy = (from: unknown, to: string) => {
    if (typeof from === "number") config[to] = from;
  };
  copy(request.temperature, "temperature");
  copy(request.top_p, "topP");
  copy(request.max_completion_tokens ?? request.max_tokens, "maxOutputTokens");
  copy(request.n, "candidateCount");
  copy(request.seed, "seed");
  copy(request.presence_penalty, "presencePenalty");
  copy(request.frequency_penalty, "frequencyPenalty");
  if (typeof request.stop === "string") config.stopSequences = [request.stop];
  else if (Array.isArray(request.stop) && request.stop.length > 0) config.stopSequences = request.stop;
  const format = request.response_format;
  if (format?.type === "json_object" || format?.type === "json_schema") config.responseMimeType = "application/json";
  if (format?.type === "json_schema" && isRecord(format.json_schema?.schema)) config.responseJsonSchema = format.json_schema.schema;
  return config;
}

/**
 * Translates an OpenAI chat request into a Gemini `generateContent` body (the model goes in the URL).
 * @example
 * toGeminiRequest({ model: "gemini-2.5-flash", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] }, { providerId: "gemini", signatureOf: () => undefined });
 * // { contents: [{ role: "user", parts: [{ text: "Hi" }] }], systemInstruction: { parts: [{ text: "Be brief." }] } }
 */
export function toGeminiRequest(request: ChatCompletionCreateParams, options: { providerId: string; signatureOf: SignatureLookup }): Record<string, unknown> {
  const { providerId } = options;
  if (request.logprobs === true) throw unsupported(providerId, "logprobs");
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: "user" | "model", parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const message of request.messages) {
    if (message.role === "system" || message.role === "developer") system.push(messageText(message, providerId));
    else if (message.role === "user") push("user", contentPieces(message, providerId).map((piece) => part(piece, providerId)));
    else if (message.role === "assistant") push("model", modelParts(message, providerId, toolNames, options.signatureOf));
    else if (message.role === "tool") {
      const id = typeof message.tool_call_id === "string" ? message.tool_call_id : "";
      const name = toolNames.get(id);
      if (!name) throw new InvalidRequestError(`a tool message answers tool_call_id "${id}", which no earlier assistant message called`, "messages");
      push("user", [{ functionResponse: { name, response: functionResponse(messageText(message, providerId)) } }]);
    } else throw new InvalidRequestError(`messages: role "${String(message.role)}" is not supported`, "messages");
  }
  if (contents.length === 0) throw new InvalidRequestError("messages: at least one user message is needed", "messages");
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join("\n\n") }] };
  const config = generationConfig(request);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  if (request.tools && request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: functionTools(request.tools, providerId).map((tool) => ({
          name: tool.function.name,
          ...(tool.function.description ? { description: tool.function.description } : {}),
          ...(tool.function.parameters ? { parameters: cleanSchema(tool.function.parameters) } : {}),
        })),
      },
    ];
    const choice = toolConfig(request.tool_choice);
    if (choice) body.toolConfig = choice;
  }
  return body;
}

function modelParts(message: ChatCompletionMessageParam, providerId: string, toolNames: Map<string, string>, signatureOf: SignatureLookup): GeminiPart[] {
  const parts = contentPieces(message, providerId).map((piece) => part(piece, providerId));
  for (const call of message.tool_calls ?? []) {
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string") throw new InvalidRequestError("tool_calls: each call needs function.name", "messages");
    toolNames.set(String(call.id), call.function.name);
    parts.push({ functionCall: { name: call.function.name, args: toolArguments(call.function.arguments) }, thoughtSignature: signatureOf(String(call.id)) ?? SKIP_SIGNATURE });
  }
  return parts;
}
