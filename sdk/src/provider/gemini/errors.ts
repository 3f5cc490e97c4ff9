/**
 * Gemini's error shapes adapted to the shared factory. `{"error":{code,message,status,details}}` bodies go through
 * `fromResponse` by status (429 `RESOURCE_EXHAUSTED` with `RetryInfo.retryDelay` → `retryAfter`). One quirk needs
 * an adapter: a wrong key is not a 401 but `400 INVALID_ARGUMENT` with `ErrorInfo.reason: "API_KEY_INVALID"`
 * (ai.google.dev/gemini-api/docs/troubleshooting); it must take the key out like any authentication failure.
 */
import { ModelMeshError, ProviderError } from "../../wire/errors.js";
import { fromResponse } from "../error-factory.js";
import { isRecord } from "../provider-config.js";

const KEY_REASONS = new Set(["API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_SERVICE_BLOCKED"]);

/**
 * True when a Gemini error body says the key itself is bad.
 * @example
 * isKeyRejection({ error: { code: 400, status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }] } }); // true
 */
export function isKeyRejection(body: unknown): boolean {
  const error = Array.isArray(body) ? body[0] : body;
  if (!isRecord(error) || !isRecord(error.error) || !Array.isArray(error.error.details)) return false;
  return error.error.details.some((detail) => isRecord(detail) && typeof detail.reason === "string" && KEY_REASONS.has(detail.reason));
}

/**
 * Re-files a Gemini key rejection (HTTP 400) as the `AuthenticationError` a 401 would be; anything else unchanged.
 * @example
 * catch (error) { throw asAuthenticationError(error, { providerId: "gemini", secrets: [key] }); }
 */
export function asAuthenticationError(error: unknown, context: { providerId: string; modelId?: string; secrets: string[] }): unknown {
  if (!(error instanceof ProviderError) || error.status !== 400 || !isKeyRejection(error.body)) return error;
  return fromResponse(401, error.body, error.headers, context);
}

/**
 * The error for an in-band stream event `{"error":{code,status,message}}`.
 * @example
 * geminiStreamError({ error: { code: 500, status: "INTERNAL", message: "An internal error has occurred." } }, context);
 */
export function geminiStreamError(body: Record<string, unknown>, context: { providerId: string; modelId?: string; secrets: string[] }): ModelMeshError {
  const error = isRecord(body.error) ? body.error : {};
  const code = Number(error.code);
  return fromResponse(Number.isInteger(code) && code >= 400 && code < 600 ? code : 500, body, {}, context);
}
