/**
 * The proxy's one JSON body parser: bounded in size by the caller and in nesting here, so a hostile body gets a 400
 * before routing instead of a stack overflow later (JSON.parse copes with any depth; JSON.stringify and every
 * recursive walk of the value do not, and the mesh would blame the provider for the overflow).
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

/** Nesting deeper than `limit` needs more than `limit` opening brackets; native searches rule out most bodies at once. */
function moreOpeningsThan(text: string, limit: number): boolean {
  let count = 0;
  for (const mark of ["{", "["]) {
    for (let at = text.indexOf(mark); at >= 0; at = text.indexOf(mark, at + 1)) if (++count > limit) return true;
  }
  return false;
}

/**
 * True when the JSON text nests objects/arrays deeper than `limit`. One pass, strings skipped with native searches;
 * exact for valid JSON (invalid JSON is refused by the parser anyway).
 * @example
 * exceedsJsonDepth("[[[]]]", 2); // true
 */
export function exceedsJsonDepth(text: string, limit: number): boolean {
  if (!moreOpeningsThan(text, limit)) return false;
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      // Jump to the closing quote, skipping quotes escaped by an odd number of backslashes.
      let end = index;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return false; // an unterminated string: not JSON, the parser refuses it
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      index = end;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
  }
  return false;
}

const decoder = new TextDecoder();

/**
 * A request body as a JSON object, or a 400 ProxyRequestError: not JSON, nested deeper than `maxDepth`, or not an
 * object.
 * @example
 * const body = parseJsonObject(new Uint8Array(await request.arrayBuffer()));
 */
export function parseJsonObject(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): Record<string, unknown> {
  const text = decoder.decode(bytes);
  if (exceedsJsonDepth(text, maxDepth)) throw badRequest(`the JSON body nests deeper than ${maxDepth} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("the request body must be a JSON object");
  return value as Record<string, unknown>;
}
