import { ModelMeshError, isModelMeshError } from "modelmesh/static";
import { EXTENSION_ERROR_CODES, type SerializedError } from "../shared/protocol.ts";

// ModelMesh's errors cross the channel as `toJSON()` and are revived with `ModelMeshError.fromJSON` (by `name`):
// the extension's own refusals are ModelMeshErrors with a code from EXTENSION_ERROR_CODES.

/** The person denied the site (now, or earlier with "deny"). */
export function consentDenied(origin: string): ModelMeshError {
  return new ModelMeshError(`${origin} may not use ModelMesh: the person denied it (change this in the extension's options, under sites)`, { code: EXTENSION_ERROR_CODES.consentDenied });
}

/** The consent window was closed (or never answered) without a decision. */
export function consentDismissed(origin: string): ModelMeshError {
  return new ModelMeshError(`${origin} was not allowed to use ModelMesh: the consent window was closed without a decision`, { code: EXTENSION_ERROR_CODES.consentDismissed, retryable: true });
}

export function poolNotAllowed(origin: string, pool: string, allowed: readonly string[]): ModelMeshError {
  return new ModelMeshError(`${origin} may not use the pool "${pool}" (allowed: ${allowed.join(", ")})`, { code: EXTENSION_ERROR_CODES.poolNotAllowed });
}

export function badMessage(detail: string): ModelMeshError {
  return new ModelMeshError(`the extension refused the message: ${detail}`, { code: EXTENSION_ERROR_CODES.badMessage });
}

/** Any thrown value as what crosses the channel; a foreign error keeps only its message (a ModelMesh error is already scrubbed). */
export function serialize(error: unknown): SerializedError {
  if (error instanceof ModelMeshError) return error.toJSON();
  if (isModelMeshError(error)) return (error as ModelMeshError).toJSON();
  const name = error instanceof Error ? error.name : "Error";
  // An abort is how a caller's cancel surfaces; everything else is unexpected inside the worker.
  const code = name === "AbortError" ? "aborted" : "extension_error";
  return new ModelMeshError(error instanceof Error ? error.message : String(error), { code }).toJSON();
}
