// The redactor every observability sink applies to events: its own file, because errors.ts needs only the string and
// bounded-copy scrubbing in redact.ts, and what errors.ts imports is in modelmesh/lazy's first load.
import { isSensitiveField, prepareSecrets, REDACTED, rememberedSecretsVersion, rememberedSecretValues, scrubString, type PreparedSecrets, type Redactor } from "../wire/redact.js";

function scrub(value: unknown, secrets: PreparedSecrets, seen: WeakSet<object>): unknown {
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
    for (const field of Object.keys(source)) {
      const fieldValue = source[field];
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
 * known secret value (from `secretValues`, called per event so newly resolved keys are covered; trimmed, so a key
 * read with a trailing newline still matches) replaced by `[REDACTED]`, well-known key shapes (`sk-…`, `sk-ant-…`,
 * `gsk_…`, `AIza…`, `Bearer …`, `?key=…`) scrubbed, and header-like fields (`authorization`, `x-api-key`,
 * `api-key`, `x-goog-api-key`, `apiKey`, `api_key`, …) blanked whatever they hold. The input is never modified.
 * Credentials providers were configured with (`rememberSecrets`) are scrubbed too, whether or not `secretValues`
 * lists them. The secret list is prepared again only when it changed, and strings that cannot hold a key shape
 * skip the scan.
 * @example
 * const redact = createRedactor(() => secretStore.knownValues?.() ?? []);
 * sink.emit(redact(event));
 */
export function createRedactor(secretValues: () => readonly string[] = () => []): Redactor {
  let lastValues: readonly string[] = [];
  let lastVersion = -1;
  let prepared: PreparedSecrets = prepareSecrets([]);
  const current = (): PreparedSecrets => {
    let values: readonly string[];
    try {
      values = secretValues();
    } catch {
      values = [];
    }
    if (!Array.isArray(values)) values = [];
    if (lastVersion !== rememberedSecretsVersion() || values.length !== lastValues.length || values.some((value, index) => value !== lastValues[index])) {
      lastValues = [...values];
      lastVersion = rememberedSecretsVersion();
      prepared = prepareSecrets([...values, ...rememberedSecretValues()]);
    }
    return prepared;
  };
  return <Value>(value: Value): Value => scrub(value, current(), new WeakSet()) as Value;
}

