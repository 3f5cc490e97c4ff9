/**
 * Reading what a provider's response headers say about waiting: case-insensitive header access over `Headers` or a
 * plain record, Go-style durations (OpenAI's and Groq's `x-ratelimit-reset-*`), and `Retry-After` with its
 * rate-limit-reset relatives. Pure (callers pass `now`), so providers parse headers without importing the router's
 * retry module.
 */
/** Headers as `fetch` gives them, or a plain object (any key case). */
export type HeadersLike = Headers | Record<string, string>;

const UNITS_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 };

/**
 * Parses a Go-style duration as OpenAI and Groq send in `x-ratelimit-reset-*` ("6m0s", "1.5s", "20ms", "1h2m3s"),
 * or Google's `retryDelay` ("34.4s"). A bare number is seconds (the HTTP `Retry-After` convention).
 * @returns milliseconds, or `undefined` when the text is not a duration
 * @example
 * parseDuration("6m0s"); // 360000
 * parseDuration("20ms"); // 20
 */
export function parseDuration(text: string): number | undefined {
  // Every answer of OpenAI-style services carries two of these, mostly the same few texts ("6ms", "0s").
  if (durations.has(text)) return durations.get(text);
  const value = readDuration(text);
  if (durations.size >= DURATION_CACHE_LIMIT) durations.clear();
  durations.set(text, value);
  return value;
}

const durations = new Map<string, number | undefined>();
const DURATION_CACHE_LIMIT = 256;

// Read by hand, not by a regular expression: a reset header's value changes with every answer ("59.688s"), so the
// cache above rarely helps it, and a sticky expression's match arrays cost more than the whole duration here.
function readDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  let total = 0;
  for (let position = 0; position < trimmed.length; ) {
    const end = numberEnd(trimmed, position);
    if (end < 0) return undefined;
    const value = Number(trimmed.slice(position, end));
    // A bare number is seconds (the `Retry-After` convention): only the whole text may be a number without a unit.
    if (position === 0 && end === trimmed.length) return value * 1_000;
    const unit = unitAt(trimmed, end);
    const scale = Object.hasOwn(UNITS_MS, unit) ? UNITS_MS[unit]! : undefined;
    if (scale === undefined) return undefined;
    total += value * scale;
    position = end + unit.length;
  }
  return Number.isFinite(total) ? total : undefined;
}

const DOT = 46;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Where the number that starts at `position` ends ("12", "3.5": digits, and digits after a dot), or -1 if none does. */
function numberEnd(text: string, position: number): number {
  const start = position;
  while (isDigit(text.charCodeAt(position))) position++;
  if (position === start) return -1;
  if (text.charCodeAt(position) !== DOT) return position;
  const fraction = position + 1;
  position = fraction;
  while (isDigit(text.charCodeAt(position))) position++;
  return position === fraction ? -1 : position;
}

/** Digits, with at most one dot between digits ("30", "1.5"); what `Number` alone may read as a reset. */
function isPlainNumber(text: string): boolean {
  return numberEnd(text, 0) === text.length;
}

/** The unit that starts at `position`: a two-letter one first ("ms" is not "m" then "s"), else one character. */
function unitAt(text: string, position: number): string {
  const two = text.slice(position, position + 2);
  // At the text's end `two` has one character, which then is the one-character unit itself.
  return Object.hasOwn(UNITS_MS, two) ? two : text.charAt(position);
}

/**
 * Reads one header case-insensitively from either shape.
 * @example
 * readHeader({ "Retry-After": "2" }, "retry-after"); // "2"
 */
export function readHeader(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string>;
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) if (key.toLowerCase() === lower) return record[key];
  return undefined;
}

/** A time given as a number: epoch ms, epoch seconds, or a number of seconds from now. */
function numericResetMs(value: number, now: number): number {
  if (value > 1e12) return value - now;
  if (value > 1e9) return value * 1_000 - now;
  return value * 1_000;
}

/** A reset given as a duration, a number or a date, in ms from `now`. */
function resetMs(text: string, now: number): number | undefined {
  const trimmed = text.trim();
  if (isPlainNumber(trimmed)) return numericResetMs(Number(trimmed), now);
  const duration = parseDuration(trimmed);
  if (duration !== undefined) return duration;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : date - now;
}

/**
 * When a quota resets, as epoch ms, from any way a rate-limit header says it: a duration ("6m0s", "1.5s"), seconds
 * ("30"), epoch seconds or ms (OpenRouter's `x-ratelimit-reset`), or a date (Anthropic's RFC 3339).
 * @example
 * resetTime("1.5s", 1_000_000); // 1_001_500
 */
export function resetTime(text: string, now: number): number | undefined {
  const wait = resetMs(text, now);
  return wait === undefined ? undefined : now + wait;
}

/** Header pairs that say when a quota resets, with the header saying how much of it is left. */
const RESET_HEADERS: Array<[reset: string, remaining: string]> = [
  ["x-ratelimit-reset-requests", "x-ratelimit-remaining-requests"],
  ["x-ratelimit-reset-tokens", "x-ratelimit-remaining-tokens"],
  // OpenRouter and many gateways: one window, reset as epoch ms.
  ["x-ratelimit-reset", "x-ratelimit-remaining"],
  ["anthropic-ratelimit-requests-reset", "anthropic-ratelimit-requests-remaining"],
  ["anthropic-ratelimit-tokens-reset", "anthropic-ratelimit-tokens-remaining"],
  ["anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-input-tokens-remaining"],
  ["anthropic-ratelimit-output-tokens-reset", "anthropic-ratelimit-output-tokens-remaining"],
];

/**
 * How long the server asks us to wait, in ms from `now`.
 * Precedence: `retry-after-ms`, then `retry-after` (seconds or an HTTP date), then the reset headers. Among
 * resets, a quota reported exhausted (its `remaining` header is 0) decides, the latest of them, because the
 * request cannot pass before every exhausted quota refills; otherwise the smallest positive reset.
 * @returns milliseconds (0 = now), or `undefined` when no header says anything usable
 * @example
 * parseRetryAfter(response.headers, Date.now()); // e.g. 1500 for "x-ratelimit-reset-requests: 1.5s"
 */
export function parseRetryAfter(headers: HeadersLike, now: number): number | undefined {
  const milliseconds = readHeader(headers, "retry-after-ms");
  if (milliseconds !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(milliseconds)) return Number(milliseconds);
  const retryAfter = readHeader(headers, "retry-after");
  if (retryAfter !== undefined) {
    if (/^\s*\d+(\.\d+)?\s*$/.test(retryAfter)) return Number(retryAfter) * 1_000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const exhausted: number[] = [];
  const others: number[] = [];
  for (const [resetName, remainingName] of RESET_HEADERS) {
    const text = readHeader(headers, resetName);
    if (text === undefined) continue;
    const wait = resetMs(text, now);
    if (wait === undefined || wait <= 0) continue;
    const remaining = readHeader(headers, remainingName);
    (remaining !== undefined && Number(remaining) === 0 ? exhausted : others).push(wait);
  }
  if (exhausted.length > 0) return Math.max(...exhausted);
  if (others.length > 0) return Math.min(...others);
  return undefined;
}
