import type { ChatCompletion } from "../wire/types.js";
import type { MiddlewareContext, MiddlewareLike } from "./middleware.js";
import { normalizeChatCompletion } from "../provider/normalize.js";

// The FAQ's middleware reads camelCase (`response.usage?.totalTokens`); callers get OpenAI's snake_case. This file
// is apart from middleware.ts so that exporting the Middleware class does not pull the normaliser into a page's
// first load (modelmesh/lazy).

const CAMEL_ALIASES: ReadonlyArray<[path: "root" | "choice" | "message" | "usage", camel: string, snake: string]> = [
  ["root", "systemFingerprint", "system_fingerprint"],
  ["choice", "finishReason", "finish_reason"],
  ["message", "toolCalls", "tool_calls"],
  ["usage", "promptTokens", "prompt_tokens"],
  ["usage", "completionTokens", "completion_tokens"],
  ["usage", "totalTokens", "total_tokens"],
];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function isChatCompletion(value: unknown): value is ChatCompletion {
  return isRecord(value) && Array.isArray(value.choices) && value.object !== "chat.completion.chunk";
}

/** Non-enumerable, so JSON, spreads and `Object.keys` still see exactly the wire shape. */
function alias(target: Record<string, unknown>, camel: string, snake: string): void {
  if (camel in target) return;
  Object.defineProperty(target, camel, {
    get: () => target[snake],
    set: (value: unknown) => void (target[snake] = value),
    enumerable: false,
    configurable: true,
  });
}

/**
 * A copy of a wire-shaped chat completion that also answers to the FAQ's camelCase names.
 * @example
 * completionView(completion).usage?.totalTokens === completion.usage?.total_tokens; // true
 */
export function completionView(completion: ChatCompletion): ChatCompletion {
  const view = structuredClone(completion) as ChatCompletion & Record<string, unknown>;
  for (const [where, camel, snake] of CAMEL_ALIASES) {
    if (where === "root") alias(view, camel, snake);
    if (where === "usage" && isRecord(view.usage)) alias(view.usage as unknown as Record<string, unknown>, camel, snake);
    for (const choice of view.choices) {
      if (where === "choice" && isRecord(choice)) alias(choice as unknown as Record<string, unknown>, camel, snake);
      if (where === "message" && isRecord(choice?.message)) alias(choice.message, camel, snake);
    }
  }
  return view;
}

/** What a hook returned, as the caller must get it: a chat answer in either spelling becomes the exact wire shape. */
function toWire(value: unknown, context: MiddlewareContext, original?: ChatCompletion): unknown {
  if (context.operation !== "chat" || !isChatCompletion(value)) return value;
  return normalizeChatCompletion(value, original?.model ?? context.modelId);
}

/**
 * Wraps a middleware so its hooks see chat answers through `completionView` and whatever they return goes back to
 * the router in the wire shape. The mesh applies it to every middleware it is given.
 * @example
 * const mesh = await ModelMesh.start({ middleware: [new LoggingMiddleware()] }); // wrapped inside
 */
export function withCompletionView(middleware: MiddlewareLike): MiddlewareLike {
  const adapted: MiddlewareLike = {};
  if (middleware.beforeRequest) adapted.beforeRequest = (request, context) => middleware.beforeRequest!(request, context);
  if (middleware.onChunk) adapted.onChunk = (chunk, context) => middleware.onChunk!(chunk, context);
  if (middleware.afterResponse) {
    adapted.afterResponse = async (response, context) => {
      if (context.operation !== "chat" || !isChatCompletion(response)) return middleware.afterResponse!(response, context);
      const returned = await middleware.afterResponse!(completionView(response), context);
      return returned === undefined ? returned : toWire(returned, context, response);
    };
  }
  if (middleware.onError) {
    adapted.onError = async (error, context) => {
      const fallback = await middleware.onError!(error, context);
      return fallback === undefined ? fallback : toWire(fallback, context);
    };
  }
  return adapted;
}
