/**
 * The proxy's one JSON body parser: bounded in size by the caller and in nesting here, so a hostile body gets a 400
 * before routing instead of a stack overflow later (JSON.parse copes with any depth; JSON.stringify and every
 * recursive walk of the value do not).
 */
import { badRequest } from "./errors.js";

/**
 * Deepest nesting accepted (objects and arrays). OpenAI requests nest about 5 levels plus the JSON schemas of tools
 * and response formats, each schema level 2 more: 128 leaves room for 60-level schemas and none for a bomb.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * True when the JSON text nests objects/arrays deeper than `limit`. One pass over the bytes, strings skipped;
 * exact for valid JSON (invalid JSON is refused by the parser anyway).
 * @example
 * exceedsJsonDepth(new TextEncoder().encode("[[[]]]"), 2); // true
 */
export function exceedsJsonDepth(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

const decoder = new TextDecoder();

/**
 * A request body as a JSON object, or a 400 ProxyRequestError: not JSON, nested deeper than `maxDepth`, or not an
 * object.
 * @example
 * const body = parseJsonObject(await request.bytes());
 */
export function parseJsonObject(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): Record<string, unknown> {
  if (exceedsJsonDepth(bytes, maxDepth)) throw badRequest(`the JSON body nests deeper than ${maxDepth} levels`);
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw badRequest("We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("the request body must be a JSON object");
  return value as Record<string, unknown>;
}
