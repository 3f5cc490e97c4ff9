import type { ModelMeshError } from "../wire/errors.js";

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
