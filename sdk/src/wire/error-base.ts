/**
 * The errors that ship up front with `create()` (the configuration check and the request checks), and the root every
 * error extends. The rest of the tree (a provider's errors, whose constructor scrubs secrets; the revivers of
 * `fromJSON`) is `errors.ts`, which loads with the mesh: a bundler puts a whole module in one chunk, so sharing this
 * file with the mesh's errors would ship all of them, and the redaction code, in every page up front.
 * Every error has a literal `name`, a stable `code`, a `retryable` flag and a `toJSON()`/`fromJSON()` pair, because
 * `instanceof` does not survive a structured-clone boundary (the extension's message port, a worker).
 * Messages say what failed and where, never a key.
 */
export interface SerializedError {
  name: string;
  code: string;
  message: string;
  retryable: boolean;
  [field: string]: unknown;
}

export interface ModelMeshErrorOptions {
  code?: string;
  retryable?: boolean;
  cause?: unknown;
  /**
   * Values to scrub from what a `ProviderError` keeps (the API key in use, secret header values); used while
   * building the error, never stored on it.
   */
  secrets?: readonly string[];
}

/**
 * Root of every error ModelMesh throws.
 * @example
 * try { await client.chat.completions.create(request) }
 * catch (error) { if (isModelMeshError(error) && error.retryable) scheduleRetry() }
 */
export class ModelMeshError extends Error {
  override name: string = "ModelMeshError";
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, options: ModelMeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? "modelmesh_error";
    this.retryable = options.retryable ?? false;
  }

  /** Fields beyond name/code/message/retryable that a subclass wants to carry across a boundary. */
  protected details(): Record<string, unknown> {
    return {};
  }

  toJSON(): SerializedError {
    return { ...this.details(), name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }

  /**
   * Rebuilds the right subclass from `toJSON()` output; unknown names become a plain `ModelMeshError`. Every class
   * is known once `wire/errors.ts` has loaded, which the `ModelMeshError` that `modelmesh` exports guarantees.
   */
  static fromJSON(json: SerializedError): ModelMeshError {
    return reviver(json);
  }
}

/** The bad key is named by its dotted path (`pools.chat.strategy`), so a person can find it in the YAML. */
export class ConfigError extends ModelMeshError {
  override name = "ConfigError" as const;
  readonly path: string;
  constructor(path: string, message: string, options: ModelMeshErrorOptions = {}) {
    super(path ? `${path}: ${message}` : message, { code: "config_error", ...options });
    this.path = path;
  }
  protected override details() {
    return { path: this.path };
  }
}

/** The caller's request is not a valid OpenAI request (caught before anything is sent). */
export class InvalidRequestError extends ModelMeshError {
  override name = "InvalidRequestError" as const;
  readonly param: string | null;
  constructor(message: string, param: string | null = null, options: ModelMeshErrorOptions = {}) {
    super(message, { code: "invalid_request", retryable: false, ...options });
    this.param = param;
  }
  protected override details() {
    return { param: this.param };
  }
}

/** True for a plain object that came from `ModelMeshError.prototype.toJSON()`. */
export function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.name === "string" && typeof record.code === "string" && typeof record.message === "string" && typeof record.retryable === "boolean";
}

/**
 * `fromJSON` for the classes of this file (`ConfigError`, `InvalidRequestError`); any other name becomes a plain
 * `ModelMeshError` with its code, retryable flag and message. What `fromJSON` does until `errors.ts` has loaded.
 * @example
 * reviveBaseError(new ConfigError("pools.chat", "unknown pool").toJSON()); // a ConfigError, path "pools.chat"
 */
export function reviveBaseError(json: SerializedError): ModelMeshError {
  const kept = { code: json.code, retryable: json.retryable };
  if (json.name === "ConfigError") {
    const error = new ConfigError(typeof json.path === "string" ? json.path : "", "", kept);
    // The serialised message already starts with the path.
    error.message = json.message;
    return error;
  }
  if (json.name === "InvalidRequestError") return new InvalidRequestError(json.message, typeof json.param === "string" ? json.param : null, kept);
  return new ModelMeshError(json.message, kept);
}

let reviver = reviveBaseError;

/** Called by `errors.ts` when it loads: from then on `fromJSON` rebuilds every class by its `name`. */
export function setReviver(revive: (json: SerializedError) => ModelMeshError): void {
  reviver = revive;
}
