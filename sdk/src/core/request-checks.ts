/**
 * Request checks that run before anything is routed. A request that no service could take (a body nested deeper
 * than any API accepts, larger than the limit, holding a BigInt or a cycle JSON cannot write) is the caller's fault:
 * it must fail here with `InvalidRequestError`, never reach a provider, and never count against a model's health.
 * They load with the mesh (the client calls them through `ModelMesh.checkRequest`), not with what a page loads first.
 */
import { InvalidRequestError } from "../wire/error-base.js";
import type { ProviderOperation } from "../provider/provider.js";
import type { RequestLimits } from "./options.js";
import { DEFAULT_REQUEST_LIMITS } from "./request-limits.js";
import { emptyArray, integerBelowMinimum, invalidType, missingParameter } from "./param-errors.js";

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

/**
 * Throws `InvalidRequestError` unless `body` is a plain object (not null, not an array).
 * @example
 * requireObject(body, "the embeddings request");
 */
export function requireObject(body: unknown, what: string): asserts body is Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new InvalidRequestError(`${what} must be an object`);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `messages[0].content`, as OpenAI names a parameter; long names are cut so the path itself stays small. */
function pathOf(parts: ReadonlyArray<string | number>): string | null {
  if (parts.length === 0) return null;
  let path = "";
  for (const part of parts) {
    if (typeof part === "number") path += `[${part}]`;
    else {
      const name = part.length > 40 ? `${part.slice(0, 40)}…` : part;
      path += IDENTIFIER.test(part) ? `${path ? "." : ""}${name}` : `[${JSON.stringify(name)}]`;
    }
    if (path.length > 200) return `${path.slice(0, 200)}…`;
  }
  return path;
}

// Read once: in Node these globals are lazy getters, and reading them per value made checking 20 times slower.
const OPAQUE_TYPES: ReadonlyArray<abstract new (...args: never[]) => object> = [
  ArrayBuffer,
  Date,
  Map,
  Set,
  Promise,
  ...(typeof Blob === "undefined" ? [] : [Blob]),
  ...(typeof ReadableStream === "undefined" ? [] : [ReadableStream]),
];

// Binary values travel as multipart or are not JSON at all; their bytes are limited by whoever reads them.
function isOpaque(value: object): boolean {
  // Plain objects and arrays, nearly every value in a request, are never opaque.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null || Array.isArray(value)) return false;
  if (ArrayBuffer.isView(value)) return true;
  return OPAQUE_TYPES.some((type) => value instanceof type);
}

type Problem = "depth" | "bigint" | "number";

/** A problem found by the fast scan, located: the path to it, and whether a too-deep path is really a cycle. */
interface Found {
  problem: Problem | "cycle";
  path: Array<string | number>;
  value?: unknown;
}

/**
 * Finds where `problem` is, once the fast scan knows there is one. Recursive, but never deeper than `maxDepth + 1`
 * frames, so it cannot overflow; a path that comes back to one of its own ancestors is reported as a cycle.
 */
function locate(body: object, problem: Problem, maxDepth: number): Found | undefined {
  const ancestors: object[] = [];
  const path: Array<string | number> = [];
  const visit = (value: object, depth: number): Found | undefined => {
    if (depth > maxDepth) return { problem: "depth", path: [...path] };
    ancestors.push(value);
    try {
      const isArray = Array.isArray(value);
      const keys: Array<string | number> = isArray ? Array.from({ length: (value as unknown[]).length }, (_, index) => index) : Object.keys(value);
      for (const key of keys) {
        const child: unknown = (value as Record<string | number, unknown>)[key];
        path.push(key);
        if (problem === "bigint" && typeof child === "bigint") return { problem, path: [...path] };
        if (problem === "number" && typeof child === "number" && !Number.isFinite(child)) return { problem, path: [...path], value: child };
        if (typeof child === "object" && child !== null && !isOpaque(child)) {
          if (ancestors.includes(child)) return { problem: "cycle", path: [...path] };
          const found = visit(child, depth + 1);
          if (found) return found;
        }
        path.pop();
      }
      return undefined;
    } finally {
      ancestors.pop();
    }
  };
  return visit(body, 1);
}

function refusal(found: Found | undefined, what: string, limits: RequestLimits): InvalidRequestError {
  const param = found ? pathOf(found.path) : null;
  switch (found?.problem) {
    case "cycle":
      return new InvalidRequestError(`${param} refers back to an object that contains it (a cycle JSON cannot write)`, param);
    case "bigint":
      return new InvalidRequestError(`${param} is a BigInt, which JSON cannot carry; pass a number or a string`, param);
    case "number":
      return new InvalidRequestError(`${param} must be a finite number (JSON has no ${String(found.value)})`, param);
    default:
      return new InvalidRequestError(`${what} is nested deeper than ${limits.maxDepth} levels`, param, { code: "request_too_deep" });
  }
}

/**
 * Walks a request body without recursion (so a body nested 100,000 levels deep cannot overflow the stack while being
 * checked) and throws `InvalidRequestError` naming the offending parameter for: nesting deeper than `maxDepth`, a
 * cycle, a BigInt, a non-finite number, or (when `json`) a body whose UTF-8 JSON is larger than `maxBytes`.
 * Cheap on ordinary requests: one pass over the values with no bookkeeping per value beyond its depth (a cycle shows
 * up as a path deeper than `maxDepth`, and only then are paths worked out), and the body is serialised only when its
 * size cannot be bounded without doing so.
 * @example
 * checkRequestBody(body, "the chat request", resolveRequestLimits(options.limits));
 */
export function checkRequestBody(body: unknown, what: string, limits: RequestLimits = DEFAULT_REQUEST_LIMITS, json = true): asserts body is Record<string, unknown> {
  requireObject(body, what);
  const tooLarge = () => new InvalidRequestError(`${what} is larger than the limit of ${limits.maxBytes} bytes`, null, { code: "request_too_large" });
  // Bounds of the serialised size in UTF-8 bytes: at least one byte per character, at most six (a `\u0000` escape).
  let lowest = 0;
  let highest = 0;
  let mustSerialise = false;
  let problem: Problem | undefined;
  const values: object[] = [body];
  const depths: number[] = [1];
  try {
    scan: while (values.length > 0) {
      const value = values.pop()!;
      const depth = depths.pop()!;
      if (depth > limits.maxDepth) {
        problem = "depth";
        break;
      }
      const isArray = Array.isArray(value);
      const keys = isArray ? undefined : Object.keys(value);
      const count = keys === undefined ? (value as unknown[]).length : keys.length;
      lowest += 2;
      highest += 2 + count;
      for (let index = 0; index < count; index++) {
        const key = keys === undefined ? index : keys[index]!;
        const child: unknown = (value as Record<string | number, unknown>)[key];
        const type = typeof child;
        // JSON leaves such fields out of an object (and writes null for them in an array).
        if (keys !== undefined && (child === undefined || type === "function" || type === "symbol")) continue;
        if (keys !== undefined) {
          lowest += (key as string).length + 3;
          highest += (key as string).length * 6 + 3;
        }
        if (type === "string") {
          lowest += (child as string).length + 2;
          highest += (child as string).length * 6 + 2;
        } else if (type === "number") {
          if (!Number.isFinite(child)) {
            problem = "number";
            break scan;
          }
          lowest += 1;
          highest += 24;
        } else if (type === "object" && child !== null) {
          if (isOpaque(child as object)) {
            // A Date's toJSON is a short string; binary values are not part of a JSON body's size.
            highest += 32;
          } else {
            if (typeof (child as { toJSON?: unknown }).toJSON === "function") mustSerialise = true;
            values.push(child as object);
            depths.push(depth + 1);
          }
        } else if (type === "bigint") {
          problem = "bigint";
          break scan;
        } else {
          // null, booleans, and what JSON writes as null in an array.
          lowest += 1;
          highest += 5;
        }
      }
      if (json && lowest > limits.maxBytes) throw tooLarge();
    }
    if (problem) throw refusal(locate(body, problem, limits.maxDepth), what, limits);
  } catch (error) {
    if (error instanceof InvalidRequestError) throw error;
    // A getter that throws, a proxy object, a stack overflow in someone else's code: still the caller's request.
    throw new InvalidRequestError(`${what} cannot be read: ${error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200)}`);
  }
  if (!json || (!mustSerialise && highest <= limits.maxBytes)) return;
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    throw new InvalidRequestError(`${what} cannot be serialised as JSON: ${error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200)}`);
  }
  // A UTF-16 unit is one to three UTF-8 bytes: encode only when the bounds do not settle it.
  if (text.length > limits.maxBytes) throw tooLarge();
  if (text.length * 3 > limits.maxBytes && new TextEncoder().encode(text).byteLength > limits.maxBytes) throw tooLarge();
}

/**
 * Checks what every request body shares: an object within `limits`, with a `model` that is a string of at most
 * `maxModelLength` characters when given. `json: false` for multipart bodies (transcription), whose size is the file's.
 * @example
 * validateModel(body, limits);
 */
export function validateModel(body: Record<string, unknown>, limits: RequestLimits = DEFAULT_REQUEST_LIMITS, json = true, what = "the request"): void {
  checkRequestBody(body, what, limits, json);
  if (body.model === undefined) return;
  if (typeof body.model !== "string") throw new InvalidRequestError("model must be a string", "model");
  if (body.model.length > limits.maxModelLength) throw new InvalidRequestError(`model must be at most ${limits.maxModelLength} characters (got ${body.model.length})`, "model");
}

/**
 * Catches what every OpenAI-compatible service would reject, before a model is spent on it.
 * @example
 * validateChatRequest({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
 */
export function validateChatRequest(body: unknown, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): void {
  requireObject(body, "the chat request");
  validateModel(body, limits, true, "the chat request");
  const messages = body.messages;
  if (messages === undefined) throw missingParameter("messages");
  if (!Array.isArray(messages)) throw invalidType("messages", "an array of objects", messages);
  if (messages.length === 0) throw emptyArray("messages");
  messages.forEach((message: unknown, index) => {
    if (typeof message !== "object" || message === null || Array.isArray(message)) throw invalidType(`messages[${index}]`, "an object", message);
    const role = (message as { role?: unknown }).role;
    if (typeof role !== "string" || !ROLES.has(role)) throw new InvalidRequestError(`messages[${index}].role must be one of ${[...ROLES].join(", ")}`, `messages[${index}].role`);
  });
  if (body.stream != null && typeof body.stream !== "boolean") throw invalidType("stream", "a boolean", body.stream);
  const streamOptions = body.stream_options;
  if (streamOptions != null) {
    if (body.stream !== true) throw new InvalidRequestError("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options");
    // The router reads include_usage to decide whether the caller sees the usage chunk: a string there would be truthy.
    if (typeof streamOptions !== "object" || Array.isArray(streamOptions)) throw invalidType("stream_options", "an object", streamOptions);
    const includeUsage = (streamOptions as { include_usage?: unknown }).include_usage;
    if (includeUsage != null && typeof includeUsage !== "boolean") throw invalidType("stream_options.include_usage", "a boolean", includeUsage);
  }
  // The router reads these to pick a model (token budget against context windows, tools, JSON mode, streaming), so a
  // wrong type would misroute or crash before any provider could reject it (found by fuzzing: `max_tokens: {}`).
  for (const name of ["max_tokens", "max_completion_tokens", "n"]) {
    const value = body[name];
    if (value == null) continue;
    if (!(typeof value === "number" && Number.isSafeInteger(value))) throw invalidType(name, "an integer", value);
    if (value < 1) throw integerBelowMinimum(name, 1, value);
  }
  if (body.tools != null && !Array.isArray(body.tools)) throw invalidType("tools", "an array of objects", body.tools);
  const format = body.response_format;
  if (format != null) {
    if (typeof format !== "object" || Array.isArray(format)) throw invalidType("response_format", "an object", format);
    if (typeof (format as { type?: unknown }).type !== "string") throw missingParameter("response_format.type");
  }
}

/**
 * The checks a request of `operation` passes before it is routed: the chat checks for chat, and for the rest an
 * object within `limits` (its `model` a short string). `json: false` for multipart bodies.
 * @example
 * checkRequest("embeddings", { model: "text-embeddings", input: "hi" }, DEFAULT_REQUEST_LIMITS);
 */
export function checkRequest(operation: ProviderOperation, body: unknown, limits: RequestLimits, json = true): asserts body is Record<string, unknown> {
  if (operation === "chat") return validateChatRequest(body, limits);
  requireObject(body, `the ${operation} request`);
  validateModel(body, limits, json);
}
