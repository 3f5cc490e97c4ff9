import { AllProvidersExhaustedError, exhaustedError } from "../wire/errors.js";

/**
 * The error a caller gets for a failed request: a request whose every attempt was rate limited surfaces as one
 * `RateLimitError` (with `attempts`, `errors` and the shortest `retryAfter`), so the FAQ's
 * `e instanceof RateLimitError` catches it, one whose every attempt timed out as one `TimeoutError`; anything else
 * passes unchanged. Part of the mesh (`mesh.callerError`),
 * not of the client, so the provider errors it builds load with the mesh rather than with every page.
 * @example
 * return router.run(...).catch((error) => { throw callerError(error) });
 */
export function callerError(error: unknown): unknown {
  if (!(error instanceof AllProvidersExhaustedError)) return error;
  const replacement = exhaustedError(error.target, error.failures);
  return replacement instanceof AllProvidersExhaustedError ? error : replacement;
}
