/**
 * Request checks that run before anything is routed. A request that no service could take (a body nested deeper
 * than any API accepts, larger than the limit, holding a BigInt or a cycle JSON cannot write) is the caller's fault:
 * it must fail here with `InvalidRequestError`, never reach a provider, and never count against a model's health.
 */
import { ConfigError, InvalidRequestError } from "../core/errors.js";

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

/** Limits on what a caller may send; every request is checked against them before routing. */
export interface RequestLimits {
  /**
   * Deepest nesting of objects and arrays in a request body, the body itself being level 1 (default 64).
   * The deepest legitimate shape in the OpenAI API is a JSON schema in `response_format` or `tools`, which OpenAI
   * caps at 10 schema levels (about 3 JSON levels each, plus 4 for the body around it); 64 leaves twice that, and
   * stays far below where recursive serialisers give up (V8's `JSON.stringify` overflows at a few thousand levels).
   */
  maxDepth: number;
  /**
   * Largest JSON request body, in UTF-8 bytes as it would be sent (default 32 MiB: Anthropic's documented request
   * limit, above the CORS proxy's 25 MB default, and room for several base64 images). File uploads (transcription)
   * are not JSON and are not counted.
   */
  maxBytes: number;
  /** Longest `model` name (default 256): real ids are under 100 characters, and a name is kept in logs and state. */
  maxModelLength: number;
}

/**
 * The limits used when `create()` is given none.
 * @example
 * create("chat-completion", { limits: { ...DEFAULT_REQUEST_LIMITS, maxBytes: 1_000_000 } });
 */
export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({ maxDepth: 64, maxBytes: 32 * 1024 * 1024, maxModelLength: 256 });

/**
 * Fills defaults and checks each limit is a positive whole number (ConfigError naming `limits.<key>` otherwise).
 * @example
 * resolveRequestLimits({ maxBytes: 1_000_000 }); // { maxDepth: 64, maxBytes: 1000000, maxModelLength: 256 }
 */
export function resolveRequestLimits(input: Partial<RequestLimits> | undefined): RequestLimits {
  if (input === undefined) return { ...DEFAULT_REQUEST_LIMITS };
  if (typeof input !== "object" || input === null) throw new ConfigError("limits", "must be an object");
  const result = { ...DEFAULT_REQUEST_LIMITS };
  for (const key of Object.keys(input) as Array<keyof RequestLimits>) {
    if (!(key in DEFAULT_REQUEST_LIMITS)) throw new ConfigError(`limits.${key}`, `unknown limit (expected one of: ${Object.keys(DEFAULT_REQUEST_LIMITS).join(", ")})`);
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw new ConfigError(`limits.${key}`, "must be a positive whole number");
    result[key] = value;
  }
  return result;
}

/**
 * Throws `InvalidRequestError` unless `body` is a plain object (not null, not an array).
 * @example
 * requireObject(body, "the embeddings request");
 */
export function requireObject(body: unknown, what: string): asserts body is Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new InvalidRequestError(`${what} must be an object`);
}

interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
  /** Set on the second visit, after the children: the object leaves the current path. */
  leaving?: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `messages[0].content`, as OpenAI names a parameter; long names are cut so the path itself stays small. */
function pathOf(frame: Frame | undefined, last?: string | number): string | null {
  const parts: Array<string | number> = last === undefined ? [] : [last];
  for (let current = frame; current?.parent; current = current.parent) parts.push(current.key);
  if (parts.length === 0) return null;
  let path = "";
  for (const part of parts.reverse()) {
    if (typeof part === "number") path += `[${part}]`;
    else {
      const name = part.length > 40 ? `${part.slice(0, 40)}…` : part;
      path += IDENTIFIER.test(part) ? `${path ? "." : ""}${name}` : `[${JSON.stringify(name)}]`;
    }
    if (path.length > 200) return `${path.slice(0, 200)}…`;
  }
  return path;
}

// Binary values travel as multipart or are not JSON at all; their bytes are limited by whoever reads them.
function isOpaque(value: object): boolean {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  if (typeof Blob !== "undefined" && value instanceof Blob) return true;
  if (typeof ReadableStream !== "undefined" && value instanceof ReadableStream) return true;
  return value instanceof Date || value instanceof Map || value instanceof Set || value instanceof Promise;
}

/**
 * Walks a request body without recursion (so a body nested 100,000 levels deep cannot overflow the stack while being
 * checked) and throws `InvalidRequestError` naming the offending parameter for: nesting deeper than `maxDepth`, a
 * BigInt, a non-finite number, a cycle, or (when `json`) a body whose UTF-8 JSON is larger than `maxBytes`.
 * Cheap on ordinary requests: one pass over the values, and the body is serialised only when its size cannot be
 * bounded without doing so.
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
  const onPath = new Set<object>();
  const stack: Frame[] = [{ value: body, depth: 1, parent: undefined, key: "" }];
  try {
    while (stack.length > 0) {
      const frame = stack.pop()!;
      if (frame.leaving) {
        onPath.delete(frame.value);
        continue;
      }
      if (frame.depth > limits.maxDepth) {
        throw new InvalidRequestError(`${what} is nested deeper than ${limits.maxDepth} levels`, pathOf(frame.parent, frame.key), { code: "request_too_deep" });
      }
      onPath.add(frame.value);
      stack.push({ ...frame, leaving: true });
      const isArray = Array.isArray(frame.value);
      const keys: Array<string | number> = isArray ? [] : Object.keys(frame.value);
      const count = isArray ? (frame.value as unknown[]).length : keys.length;
      lowest += 2;
      highest += 2 + Math.max(0, count - 1);
      for (let index = 0; index < count; index++) {
        const key = isArray ? index : (keys[index] as string);
        const value: unknown = (frame.value as Record<string | number, unknown>)[key];
        // JSON leaves such fields out of an object (and writes null for them in an array).
        if (!isArray && (value === undefined || typeof value === "function" || typeof value === "symbol")) continue;
        if (!isArray) {
          lowest += (key as string).length + 3;
          highest += (key as string).length * 6 + 3;
        }
        switch (typeof value) {
          case "string":
            lowest += value.length + 2;
            highest += value.length * 6 + 2;
            break;
          case "number":
            if (!Number.isFinite(value)) throw new InvalidRequestError(`${pathOf(frame, key)} must be a finite number (JSON has no ${value})`, pathOf(frame, key));
            lowest += 1;
            highest += 24;
            break;
          case "bigint":
            throw new InvalidRequestError(`${pathOf(frame, key)} is a BigInt, which JSON cannot carry; pass a number or a string`, pathOf(frame, key));
          case "object":
            if (value === null) {
              lowest += 4;
              highest += 4;
            } else if (onPath.has(value)) {
              throw new InvalidRequestError(`${pathOf(frame, key)} refers back to an object that contains it (a cycle JSON cannot write)`, pathOf(frame, key));
            } else if (isOpaque(value)) {
              // A Date's toJSON is a short string; other opaque values are not part of a JSON body's size.
              highest += 32;
            } else {
              if (typeof (value as { toJSON?: unknown }).toJSON === "function") mustSerialise = true;
              stack.push({ value, depth: frame.depth + 1, parent: frame, key });
            }
            break;
          default:
            // booleans; undefined, functions and symbols are left out by JSON (or become null in arrays).
            lowest += 1;
            highest += 5;
        }
        if (json && lowest > limits.maxBytes) throw tooLarge();
      }
    }
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
  if (!Array.isArray(messages) || messages.length === 0) throw new InvalidRequestError("messages must be a non-empty array", "messages");
  messages.forEach((message: unknown, index) => {
    if (typeof message !== "object" || message === null) throw new InvalidRequestError(`messages[${index}] must be an object`, `messages[${index}]`);
    const role = (message as { role?: unknown }).role;
    if (typeof role !== "string" || !ROLES.has(role)) throw new InvalidRequestError(`messages[${index}].role must be one of ${[...ROLES].join(", ")}`, `messages[${index}].role`);
  });
  if (body.stream_options != null && body.stream !== true) throw new InvalidRequestError("stream_options is only allowed when stream is true", "stream_options");
}
