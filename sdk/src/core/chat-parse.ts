import { InvalidRequestError, ModelMeshError } from "../wire/error-base.js";
import { ContentFilterFinishReasonError, LengthFinishReasonError } from "../wire/errors.js";
import { SERVED_BY } from "../wire/served.js";
import type { ChatCompletion, ChatCompletionChoice, ChatCompletionMessageToolCall, ChatCompletionRequest } from "../wire/types.js";

/**
 * What `chat.completions.parse()` does around `create()`, as the official OpenAI client's helper: it takes only strict
 * function tools, and it adds `message.parsed` (the structured output) and each tool call's `function.parsed_arguments`.
 * Formats and tools made by the `openai` package's helpers (`zodResponseFormat`, `zodFunction`) carry their own
 * parser, a non-enumerable `$parseRaw` that is never sent: it is used; otherwise the JSON is parsed. Here, in the
 * mesh's code, so pages do not load it up front.
 */

/** A response format or tool made by a helper that parses what it describes (`$brand` and `$parseRaw`, not enumerable). */
interface SelfParsing {
  $parseRaw?: (text: string) => unknown;
}

/** A tool of the request, as far as parsing goes (anything else a caller passes is read defensively). */
interface ToolLike extends SelfParsing {
  type?: unknown;
  function?: { name?: unknown; strict?: unknown };
}

/**
 * Refuses a request `parse()` cannot keep its promise for: a stream (use `stream()`), or a function tool without
 * `strict: true` (only strict tools are sure to answer JSON of their schema). Custom tools pass.
 * @example
 * checkParseRequest({ model: "chat", messages, tools: [{ type: "function", function: { name: "f" } }] }); // throws
 */
export function checkParseRequest(body: ChatCompletionRequest): void {
  if (body.stream === true) throw new InvalidRequestError("chat.completions.parse() does not stream: use chat.completions.stream() for a streamed answer", "stream");
  const tools: unknown = body.tools;
  if (tools === undefined || tools === null) return;
  if (!Array.isArray(tools)) throw new InvalidRequestError("tools must be a list", "tools");
  for (const [index, tool] of (tools as ToolLike[]).entries()) {
    if (tool?.type === "custom") continue;
    if (tool?.type !== "function") throw new InvalidRequestError(`tools[${index}]: only function and custom tools can be parsed, got type ${JSON.stringify(tool?.type)}`, `tools[${index}].type`);
    if (tool.function?.strict !== true) {
      throw new InvalidRequestError(`the ${JSON.stringify(tool.function?.name)} tool is not marked strict: true; only strict function tools can be parsed`, `tools[${index}].function.strict`);
    }
  }
}

/** JSON text as a value. Text that is not JSON is the model's failure, not the caller's: another try may do. */
function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ModelMeshError(`the ${what} is not valid JSON, so it cannot be parsed`, { code: "invalid_structured_output", retryable: true });
  }
}

function parseContent(body: ChatCompletionRequest, content: string): unknown {
  const format = body.response_format as (SelfParsing & { type?: unknown }) | undefined;
  if (typeof format?.$parseRaw === "function") return format.$parseRaw(content);
  // A plain json_schema format is parsed as JSON; text and json_object formats leave `parsed` null, as the official
  // client does.
  return format?.type === "json_schema" ? parseJson(content, "structured output") : null;
}

function parseToolCall(tools: ToolLike[], call: ChatCompletionMessageToolCall): ChatCompletionMessageToolCall {
  if (call.type !== "function") return call;
  const tool = tools.find((candidate) => candidate?.type === "function" && candidate.function?.name === call.function.name);
  let parsed: unknown = null;
  if (typeof tool?.$parseRaw === "function") parsed = tool.$parseRaw(call.function.arguments);
  else if (tool?.function?.strict === true) parsed = parseJson(call.function.arguments, `arguments of the ${JSON.stringify(call.function.name)} tool call`);
  return { ...call, function: { ...call.function, parsed_arguments: parsed } as ChatCompletionMessageToolCall["function"] };
}

function parseChoice(body: ChatCompletionRequest, choice: ChatCompletionChoice): ChatCompletionChoice {
  if (choice.finish_reason === "length") throw new LengthFinishReasonError();
  if (choice.finish_reason === "content_filter") throw new ContentFilterFinishReasonError();
  const message = choice.message;
  const calls = message.tool_calls;
  // Empty content beside tool calls says nothing: only content that stands for the answer is parsed.
  const answers = typeof message.content === "string" && !message.refusal && (message.content !== "" || !calls?.length);
  return {
    ...choice,
    message: {
      ...message,
      ...(calls ? { tool_calls: calls.map((call) => parseToolCall((body.tools ?? []) as ToolLike[], call)) } : {}),
      parsed: answers ? parseContent(body, message.content as string) : null,
    },
  };
}

/**
 * The completion with `parsed` on each message and `parsed_arguments` on each function call. A new object, carrying
 * the original's service request id and who served it (both non-enumerable).
 * @example
 * parseCompletion(body, completion).choices[0].message.parsed; // { city: "Paris" }
 */
export function parseCompletion(body: ChatCompletionRequest, completion: ChatCompletion): ChatCompletion {
  const parsed: ChatCompletion = { ...completion, choices: completion.choices.map((choice) => parseChoice(body, choice)) };
  for (const key of ["_request_id", SERVED_BY] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(completion, key);
    if (descriptor) Object.defineProperty(parsed, key, descriptor);
  }
  return parsed;
}
