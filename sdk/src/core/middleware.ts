import type { ModelMeshError } from "./errors.js";
import type { ChatCompletion } from "./types.js";
import { normalizeChatCompletion } from "../provider/normalize.js";

/** What a middleware knows about the attempt it wraps. */
export interface MiddlewareContext {
  requestId: string;
  poolName: string;
  capability: string;
  modelId: string;
  providerId: string;
  /** 1 for the first attempt of a request, then 2, 3... across retries and failover. */
  attempt: number;
  /** "chat", "embeddings", "speech", "transcription" or "images". */
  operation: string;
  stream: boolean;
  /** Free space for middlewares to pass values between their hooks. */
  metadata: Map<string, unknown>;
}

/**
 * Intercepts every attempt. `beforeRequest` hooks run first-registered-first, `afterResponse` and
 * `onError` in reverse (onion order). `onError` may return a fallback response, or rethrow to let the
 * router retry or fail over. For streams, `afterResponse` receives the assembled completion once the
 * stream ends (its return value is ignored: the chunks are already delivered) and `onChunk` may
 * rewrite each chunk.
 *
 * A chat answer reaches `afterResponse` in both spellings: the OpenAI wire names (`usage.total_tokens`,
 * `choices[0].finish_reason`) and the FAQ's `CompletionResponse` names (`usage.totalTokens`,
 * `choices[0].finishReason`, `message.toolCalls`). Whatever a hook returns, in either spelling, is turned back into
 * the exact wire shape before the caller gets it.
 * @example
 * class Logging extends Middleware {
 *   override async beforeRequest(request: any, context: MiddlewareContext) {
 *     console.log(`${context.poolName} -> ${context.modelId}`);
 *     return request;
 *   }
 * }
 * create("chat-completion", { middleware: [new Logging()] });
 */
export class Middleware {
  beforeRequest?(request: any, context: MiddlewareContext): any | Promise<any>;
  afterResponse?(response: any, context: MiddlewareContext): any | Promise<any>;
  onError?(error: ModelMeshError | Error, context: MiddlewareContext): any | Promise<any>;
  onChunk?(chunk: any, context: MiddlewareContext): any;
}

/** The shape a plain object may have instead of a Middleware subclass. */
export type MiddlewareLike = Pick<Middleware, "beforeRequest" | "afterResponse" | "onError" | "onChunk">;

/** Runs `handler` inside every middleware, koa/hono style: each layer sees what the inner ones return. */
export async function runMiddleware<Request, Response>(
  middlewares: readonly MiddlewareLike[],
  request: Request,
  context: MiddlewareContext,
  handler: (request: Request) => Promise<Response>,
): Promise<Response> {
  const layer = async (index: number, current: Request): Promise<Response> => {
    const middleware = middlewares[index];
    if (!middleware) return handler(current);
    const next = middleware.beforeRequest ? await middleware.beforeRequest(current, context) : current;
    let response: Response;
    try {
      response = await layer(index + 1, next);
    } catch (error) {
      if (!middleware.onError) throw error;
      const fallback = await middleware.onError(error as Error, context);
      // A hook that only logs and returns nothing has not handled the error.
      if (fallback === undefined) throw error;
      response = fallback;
    }
    return middleware.afterResponse ? await middleware.afterResponse(response, context) : response;
  };
  return layer(0, request);
}

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
