
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
// Generic over any value (events included) and importing no event type: errors.ts uses this module, so it must not
// reach back to events.ts (which imports errors.ts).
export type Redactor = <Value>(value: Value) => Value;

// Values this short are not credentials, and replacing them everywhere would shred every log line.
const MINIMUM_SECRET_LENGTH = 6;

// A piece of a known secret at least this long is scrubbed where text may hold a cut key (error messages, excerpts):
// 12 characters of a key carry far more than its public prefix (`sk-proj-` is 8).
const MINIMUM_FRAGMENT_LENGTH = 12;

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

// Key shapes published by the providers ModelMesh speaks to, as one alternation so a string is scanned once.
// OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-), DeepSeek, OpenRouter (sk-or-v1-), Groq, Google, xAI,
// Perplexity, Tavily, Jina, Firecrawl, Hugging Face, GitHub, AWS. Every branch starts with a literal and has no
// nested quantifier, so the scan is linear in the text's length (no backtracking blow-up on hostile input).
const KEY_SHAPES =
  /\b(?:sk-[A-Za-z0-9_-]{16,}|gsk_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{30,}|xai-[A-Za-z0-9]{20,}|pplx-[A-Za-z0-9]{20,}|tvly-[A-Za-z0-9-]{16,}|jina_[A-Za-z0-9]{20,}|fc-[A-Za-z0-9]{20,}|hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}\b)/g;
// Credentials after an auth scheme, and keys carried in a URL's query string (Gemini's ?key=, generic tokens).
// `\s+` and the token class share no character, so a failed match gives back at most one run: linear.
const SCHEME_AND_QUERY = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]+|([?&](?:key|api[_-]?key|access[_-]?token|token|auth)=)[^&\s#"']+/gi;

// Cheap pre-checks: a string holding none of these characters cannot match any shape above.
const MIGHT_HOLD_SHAPE = /[-_=]|AIza|AKIA|bearer|basic/i;

// Every credential a provider was configured with in this process. Errors can be built far from the provider that
// knows its key (the router wrapping a connector's exception, a transport error's cause, a connector's own
// ProviderError), and logs may never have been told about a header secret; all of them scrub these too.
// Bounded: oldest forgotten first, so reconfiguring with new keys forever cannot grow it without end.
const rememberedSecrets = new Set<string>();
const MAX_REMEMBERED_SECRETS = 256;
// Placeholder keys for local servers ("ollama", "lm-studio", "EMPTY") are short and also name things; scrubbing them
// everywhere would blank provider and model names. Real keys are 20 characters or more.
const MINIMUM_REMEMBERED_LENGTH = 12;
let rememberedVersion = 0;

/**
 * Adds credentials (trimmed, 12 characters or more) to the process-wide list every redactor and every
 * `ProviderError` scrubs. Called by provider configuration for the API key and credential headers.
 * @example
 * rememberSecrets([config.apiKey]);
 */
export function rememberSecrets(values: readonly unknown[]): void {
  for (const value of values) {
    if (typeof value !== "string") continue;
    const trimmed = value.trim();
    if (trimmed.length < MINIMUM_REMEMBERED_LENGTH || rememberedSecrets.has(trimmed)) continue;
    rememberedSecrets.add(trimmed);
    rememberedVersion += 1;
    if (rememberedSecrets.size > MAX_REMEMBERED_SECRETS) rememberedSecrets.delete(rememberedSecrets.values().next().value as string);
  }
}

/**
 * The credentials `rememberSecrets` was given (most recent 256).
 * @example
 * redactText(message, rememberedSecretValues());
 */
export function rememberedSecretValues(): string[] {
  return [...rememberedSecrets];
}

/** Changes whenever `rememberSecrets` learns a credential, so a redactor knows to prepare its list again. */
export function rememberedSecretsVersion(): number {
  return rememberedVersion;
}

/** Secrets ready for scrubbing: trimmed, long enough, distinct, longest first. */
export interface PreparedSecrets {
  readonly values: readonly string[];
}

const NO_SECRETS: PreparedSecrets = { values: [] };

/**
 * Trims, filters and orders secret values once, so scrubbing many strings does not redo it.
 * Keys read from a file or an environment variable often end in a newline; the trimmed value is what a service sees
 * and what it may echo, so the trimmed value is what is scrubbed.
 * @example
 * const prepared = prepareSecrets([" sk-live-123456\n"]); // { values: ["sk-live-123456"] }
 */
export function prepareSecrets(values: readonly unknown[]): PreparedSecrets {
  if (values.length === 0) return NO_SECRETS;
  const unique = new Set<string>();
  for (const value of values) {
    if (typeof value !== "string") continue;
    const trimmed = value.trim();
    if (trimmed.length >= MINIMUM_SECRET_LENGTH) unique.add(trimmed);
  }
  // Longest first: when one secret contains another, the whole of the longer one must go.
  return { values: [...unique].sort((a, b) => b.length - a.length) };
}

function scrubShapes(text: string): string {
  if (!MIGHT_HOLD_SHAPE.test(text)) return text;
  return text
    .replace(KEY_SHAPES, REDACTED)
    .replace(SCHEME_AND_QUERY, (match, scheme: string | undefined, space: string | undefined, query: string | undefined) =>
      scheme !== undefined ? `${scheme}${space}${REDACTED}` : query !== undefined ? `${query}${REDACTED}` : REDACTED,
    );
}

/** Full secrets and key shapes out of one string (internal: event-redactor.ts). */
export function scrubString(text: string, secrets: PreparedSecrets): string {
  if (text.length < MINIMUM_SECRET_LENGTH) return text;
  let result = text;
  // `includes` is a linear substring search; split/join replaces every occurrence without building a RegExp.
  for (const secret of secrets.values) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  return scrubShapes(result);
}

// Every 12-character piece of the prepared secrets, built once per secret list. Capped: past this many pieces (only
// with hundreds of very long secrets) the rest are still scrubbed whole, just not as pieces.
const MAX_FRAGMENTS = 100_000;
const fragmentSets = new WeakMap<PreparedSecrets, Set<string>>();

function fragmentsOf(secrets: PreparedSecrets): Set<string> {
  let fragments = fragmentSets.get(secrets);
  if (fragments) return fragments;
  fragments = new Set();
  for (const secret of secrets.values) {
    for (let start = 0; start + MINIMUM_FRAGMENT_LENGTH <= secret.length && fragments.size < MAX_FRAGMENTS; start++) {
      fragments.add(secret.slice(start, start + MINIMUM_FRAGMENT_LENGTH));
    }
  }
  fragmentSets.set(secrets, fragments);
  return fragments;
}

/**
 * Blanks every run of the text made of 12-character pieces of a secret: any cut piece of 12 characters or more is
 * covered whole, since each of its characters lies in a 12-character window that is itself a piece. One pass over
 * the text with a set lookup per position: linear, whatever the number and length of the secrets.
 */
function scrubFragments(text: string, secrets: PreparedSecrets): string {
  if (text.length < MINIMUM_FRAGMENT_LENGTH || secrets.values.length === 0) return text;
  const fragments = fragmentsOf(secrets);
  if (fragments.size === 0) return text;
  let result = "";
  let copied = 0;
  let runStart = -1;
  let runEnd = -1;
  for (let index = 0; index + MINIMUM_FRAGMENT_LENGTH <= text.length; index++) {
    if (!fragments.has(text.slice(index, index + MINIMUM_FRAGMENT_LENGTH))) continue;
    if (runStart >= 0 && index > runEnd) {
      result += `${text.slice(copied, runStart)}${REDACTED}`;
      copied = runEnd;
      runStart = -1;
    }
    if (runStart < 0) runStart = index;
    runEnd = index + MINIMUM_FRAGMENT_LENGTH;
  }
  if (runStart < 0) return copied === 0 ? text : result + text.slice(copied);
  return `${result}${text.slice(copied, runStart)}${REDACTED}${text.slice(runEnd)}`;
}

/**
 * Scrubs one string: known `secrets` (trimmed) and well-known key shapes become `[REDACTED]`. Linear in the length
 * of `text`, whatever it holds.
 * @example
 * redactText("failed with key sk-proj-abc...xyz") // "failed with key [REDACTED]"
 */
export function redactText(text: string, secrets: readonly string[] | PreparedSecrets = []): string {
  return scrubString(text, Array.isArray(secrets) ? prepareSecrets(secrets) : (secrets as PreparedSecrets));
}

/**
 * Scrubs, then shortens to `maxLength` characters (plus `…`). Scrubbing comes first, so truncation can never leave
 * half a key behind; and since a text may arrive already cut (an upstream excerpt), any run of 12 or more characters
 * of a known secret is scrubbed too. Only the first `maxLength` characters (plus the longest secret) are read, so a
 * megabyte of upstream text costs what a few kilobytes cost.
 * @example
 * redactAndTruncate(upstreamMessage, [apiKey], 1_000);
 */
export function redactAndTruncate(text: string, secrets: readonly string[] | PreparedSecrets, maxLength: number): string {
  const prepared = Array.isArray(secrets) ? prepareSecrets(secrets) : (secrets as PreparedSecrets);
  const longest = prepared.values[0]?.length ?? 0;
  // Enough past the cut that a key starting before it is read whole; at least 256 for the key shapes.
  const window = text.length > maxLength + longest + 256 ? text.slice(0, maxLength + longest + 256) : text;
  let result = scrubFragments(scrubString(window, prepared), prepared);
  if (result.length > maxLength || window.length < text.length) {
    result = result.slice(0, maxLength);
    // The cut may leave the start of a key shape too short to be recognised: drop the token it ends in.
    let end = result.length;
    while (end > 0 && end > result.length - 256 && /[A-Za-z0-9._~+/=-]/.test(result[end - 1]!)) end--;
    if (end > 0 && end > result.length - 256) result = result.slice(0, end);
    result = `${result}…`;
  }
  return result;
}

/**
 * The scrubbing a cold path can afford on a short text (an error message): full secrets, key shapes, and cut pieces
 * of secrets (12 characters or more).
 * @example
 * redactThoroughly('Unexpected token, "sk-live-ABCDEFGHIJ"... is not valid JSON', [apiKey]);
 */
export function redactThoroughly(text: string, secrets: readonly string[] | PreparedSecrets = []): string {
  const prepared = Array.isArray(secrets) ? prepareSecrets(secrets) : (secrets as PreparedSecrets);
  return scrubFragments(scrubString(text, prepared), prepared);
}

// Event and body field names repeat endlessly; remembering the verdict skips a lower-case and a regex per field.
// Bounded, because field names inside upstream bodies are chosen by whoever wrote the body.
const fieldVerdicts = new Map<string, boolean>();
const MAX_REMEMBERED_FIELDS = 1_000;

/** True for a field name that holds a credential whatever its value (internal: event-redactor.ts). */
export function isSensitiveField(name: string): boolean {
  const known = fieldVerdicts.get(name);
  if (known !== undefined) return known;
  const verdict = SENSITIVE_FIELDS.has(name.toLowerCase().replace(/[-_]/g, ""));
  if (fieldVerdicts.size < MAX_REMEMBERED_FIELDS && name.length <= 64) fieldVerdicts.set(name, verdict);
  return verdict;
}

/** How much of an untrusted value `redactBounded` keeps. */
export interface BoundedCopyLimits {
  /** Characters kept of each string (after scrubbing). */
  maxString: number;
  /** Items kept of each array, and fields of each object. */
  maxItems: number;
  /** Levels kept below the top; deeper values become `"[…]"`. */
  maxDepth: number;
}

/**
 * What an error keeps of an upstream body: enough to read `error.message`, `error.code`, `error.param`, bounded so
 * that a hostile or broken service cannot make every kept error hold a megabyte.
 * @example
 * new ProviderError(message, { providerId, body: redactBounded(body, [apiKey]) });
 */
export const ERROR_BODY_LIMITS: BoundedCopyLimits = { maxString: 2_000, maxItems: 50, maxDepth: 8 };

/**
 * A scrubbed, bounded copy of an untrusted value (an upstream error body): strings scrubbed then cut, arrays and
 * objects cut to `maxItems`, nesting cut at `maxDepth` (so a 100,000-level body cannot overflow the stack),
 * credential-named fields blanked, functions and symbols dropped.
 * @example
 * redactBounded({ error: { message: "bad key sk-proj-..." } }, [apiKey]); // { error: { message: "bad key [REDACTED]" } }
 */
export function redactBounded(value: unknown, secrets: readonly string[] | PreparedSecrets = [], limits: BoundedCopyLimits = ERROR_BODY_LIMITS): unknown {
  const prepared = Array.isArray(secrets) ? prepareSecrets(secrets) : (secrets as PreparedSecrets);
  const copy = (item: unknown, depth: number): unknown => {
    if (typeof item === "string") return redactAndTruncate(item, prepared, limits.maxString);
    if (typeof item === "bigint") return item.toString();
    if (typeof item === "function" || typeof item === "symbol") return undefined;
    if (typeof item !== "object" || item === null) return item;
    if (depth >= limits.maxDepth) return "[…]";
    if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) return `[${item.byteLength} bytes]`;
    if (Array.isArray(item)) {
      const kept = item.slice(0, limits.maxItems).map((entry) => copy(entry, depth + 1));
      if (item.length > limits.maxItems) kept.push(`[… ${item.length - limits.maxItems} more]`);
      return kept;
    }
    const result: Record<string, unknown> = {};
    let count = 0;
    for (const field in item) {
      if (!Object.prototype.hasOwnProperty.call(item, field)) continue;
      if (count++ >= limits.maxItems) break;
      const fieldValue = (item as Record<string, unknown>)[field];
      const key = field.length > 200 ? `${field.slice(0, 200)}…` : field;
      // defineProperty: a field named "__proto__" in upstream JSON stays a plain field instead of a prototype.
      Object.defineProperty(result, redactText(key, prepared), {
        value: isSensitiveField(field) && fieldValue !== null && fieldValue !== undefined && fieldValue !== "" ? REDACTED : copy(fieldValue, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  };
  return copy(value, 0);
}
