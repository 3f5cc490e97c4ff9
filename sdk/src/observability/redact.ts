import type { MeshEvent } from "../core/events.js";

/**
 * What every scrubbed value is replaced with.
 * @example
 * line.includes(REDACTED) // true when something was scrubbed
 */
export const REDACTED = "[REDACTED]";

/**
 * A function that returns a scrubbed deep copy of what it is given.
 * @example
 * const redact: Redactor = createRedactor(() => store.knownValues?.() ?? []);
 */
export type Redactor = <Value = MeshEvent>(value: Value) => Value;

// Values this short are not credentials, and replacing them everywhere would shred every log line.
const MINIMUM_SECRET_LENGTH = 6;

// Field names compared lower-cased with "-" and "_" removed, so `apiKey`, `api_key` and `Api-Key` all match.
const SENSITIVE_FIELDS = new Set([
  "authorization",
  "proxyauthorization",
  "xapikey",
  "apikey",
  "xgoogapikey",
  "anthropicapikey",
  "ocpapimsubscriptionkey",
  "xsubscriptiontoken",
  "xauthtoken",
  "accesstoken",
  "refreshtoken",
  "clientsecret",
  "secret",
  "password",
  "passphrase",
  "cookie",
  "setcookie",
]);

// Key shapes published by the providers ModelMesh speaks to; a match anywhere in any string is scrubbed.
const KEY_PATTERNS: Array<[RegExp, string]> = [
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, `Bearer ${REDACTED}`],
  [/\bBasic\s+[A-Za-z0-9+/=]{8,}/g, `Basic ${REDACTED}`],
  // OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-...), DeepSeek, OpenRouter (sk-or-v1-).
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\bgsk_[A-Za-z0-9]{16,}/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{30,}/g, REDACTED],
  [/\bxai-[A-Za-z0-9]{20,}/g, REDACTED],
  [/\bpplx-[A-Za-z0-9]{20,}/g, REDACTED],
  [/\btvly-[A-Za-z0-9-]{16,}/g, REDACTED],
  [/\bjina_[A-Za-z0-9]{20,}/g, REDACTED],
  [/\bfc-[A-Za-z0-9]{20,}/g, REDACTED],
  [/\bhf_[A-Za-z0-9]{20,}/g, REDACTED],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, REDACTED],
  [/\bAKIA[0-9A-Z]{16}\b/g, REDACTED],
  // Keys carried in a URL's query string (Gemini's ?key=, generic tokens).
  [/([?&](?:key|api[_-]?key|access[_-]?token|token|auth)=)[^&\s#"']+/gi, `$1${REDACTED}`],
];

function isSensitiveField(name: string): boolean {
  return SENSITIVE_FIELDS.has(name.toLowerCase().replace(/[-_]/g, ""));
}

function scrubString(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  for (const [pattern, replacement] of KEY_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

function prepareSecrets(values: readonly unknown[]): string[] {
  const unique = new Set<string>();
  for (const value of values) if (typeof value === "string" && value.length >= MINIMUM_SECRET_LENGTH) unique.add(value);
  // Longest first: when one secret contains another, the whole of the longer one must go.
  return [...unique].sort((a, b) => b.length - a.length);
}

function scrub(value: unknown, secrets: readonly string[], seen: WeakSet<object>): unknown {
  if (typeof value === "string") return scrubString(value, secrets);
  if (typeof value !== "object" || value === null) {
    return typeof value === "function" || typeof value === "symbol" ? undefined : value;
  }
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => scrub(item, secrets, seen));
    if (value instanceof Date) return new Date(value.getTime());
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
    if (value instanceof Map) return scrub(Object.fromEntries(value), secrets, seen);
    const source: Record<string, unknown> =
      value instanceof Error ? { name: value.name, message: value.message, ...(value as unknown as Record<string, unknown>) } : (value as Record<string, unknown>);
    const copy: Record<string, unknown> = {};
    for (const [field, fieldValue] of Object.entries(source)) {
      copy[field] = isSensitiveField(field) && fieldValue !== null && fieldValue !== undefined && fieldValue !== "" ? REDACTED : scrub(fieldValue, secrets, seen);
    }
    return copy;
  } finally {
    // Only ancestors count as cycles; the same object referenced twice side by side is copied twice.
    seen.delete(value);
  }
}

/**
 * Builds the redactor every sink applies before it formats or delivers an event: a deep copy with each
 * known secret value (from `secretValues`, called per event so newly resolved keys are covered) replaced
 * by `[REDACTED]`, well-known key shapes (`sk-…`, `sk-ant-…`, `gsk_…`, `AIza…`, `Bearer …`, `?key=…`)
 * scrubbed, and header-like fields (`authorization`, `x-api-key`, `api-key`, `x-goog-api-key`, `apiKey`,
 * `api_key`, …) blanked whatever they hold. The input is never modified.
 * @example
 * const redact = createRedactor(() => secretStore.knownValues?.() ?? []);
 * sink.emit(redact(event));
 */
export function createRedactor(secretValues: () => readonly string[] = () => []): Redactor {
  return <Value>(value: Value): Value => {
    let secrets: string[];
    try {
      secrets = prepareSecrets(secretValues());
    } catch {
      secrets = [];
    }
    return scrub(value, secrets, new WeakSet()) as Value;
  };
}

/**
 * Scrubs one string: known `secrets` and well-known key shapes become `[REDACTED]`.
 * @example
 * redactText("failed with key sk-proj-abc...xyz") // "failed with key [REDACTED]"
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  return scrubString(text, prepareSecrets(secrets));
}
