import { AllProvidersExhaustedError, InvalidRequestError, exhaustedError } from "../wire/errors.js";

/**
 * The error a caller gets for a failed request: a request whose every attempt was rate limited surfaces as one
 * `RateLimitError` (with `attempts`, `errors` and the shortest `retryAfter`), so the FAQ's
 * `e instanceof RateLimitError` catches it; anything else passes unchanged.
 * @example
 * return router.run(...).catch((error) => { throw callerError(error) });
 */
export function callerError(error: unknown): unknown {
  if (!(error instanceof AllProvidersExhaustedError)) return error;
  const replacement = exhaustedError(error.target, error.failures);
  return replacement instanceof AllProvidersExhaustedError ? error : replacement;
}

/** Rejects with `callerError` of whatever `promise` rejects with. */
export async function surfaced<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw callerError(error);
  }
}

/**
 * OpenAI requires `model` on every request, and so does ModelMesh: a request without one is refused with
 * `param: "model"` rather than sent to some default pool the caller never named.
 */
export function requireModel(body: { model?: unknown }): asserts body is { model: string } {
  if (typeof body.model !== "string" || body.model.trim() === "") {
    throw new InvalidRequestError("model is required: name a pool (\"chat-fast\"), a capability (\"chat-completion\") or a model id (\"gpt-4o\")", "model");
  }
}
