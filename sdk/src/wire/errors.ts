/**
 * The ModelMesh error tree. Every error has a literal `name`, a stable `code`, a `retryable` flag and a
 * `toJSON()`/`fromJSON()` pair, because `instanceof` does not survive a structured-clone boundary
 * (the extension's message port, a worker). Messages say what failed and where, never a key.
 *
 * A `ProviderError` holds text a remote service chose (message, body, headers, the error it was built from), so its
 * constructor keeps only scrubbed, bounded copies: whatever builds one (the error factory, a connector, `fromJSON`),
 * `toJSON()`, `JSON.stringify`, `util.inspect` and the `cause` chain never show a credential (those given in
 * `options.secrets`, those any provider was configured with, and well-known key shapes).
 */
import {
  ConfigError,
  InvalidRequestError,
  ModelMeshError as ModelMeshErrorClass,
  reviveBaseError,
  setReviver,
  type ModelMeshErrorOptions,
  type SerializedError,
} from "./error-base.js";
import { prepareSecrets, redactAndTruncate, redactBounded, redactText, rememberedSecretValues, type PreparedSecrets } from "./redact.js";

// ConfigError, InvalidRequestError and isSerializedError: import them from error-base.ts (see there).

/**
 * Root of every error ModelMesh throws. Declared here (the class lives in `error-base.ts`) so that whoever imports it
 * from `modelmesh` also loads this file, and with it `fromJSON`'s knowledge of every class.
 * @example
 * try { await client.chat.completions.create(request) }
 * catch (error) { if (isModelMeshError(error) && error.retryable) scheduleRetry() }
 */
export const ModelMeshError: typeof ModelMeshErrorClass = ModelMeshErrorClass;
export type ModelMeshError = ModelMeshErrorClass;

export interface ProviderErrorFields {
  /** The provider that failed (`""` when a custom provider's error leaves it out). */
  providerId?: string;
  modelId?: string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

// A message longer than this is upstream text pasted whole; the start says what went wrong.
const MAX_PROVIDER_MESSAGE = 4_000;
// Response header names that can carry a credential (rate-limit headers mention "tokens" and are kept).
const SENSITIVE_HEADER = /authorization|api[-_]?key|secret|cookie|password|credential|session|token/i;
const RATE_LIMIT_HEADER = /ratelimit|rate-limit|retry-after/i;
const MAX_KEPT_HEADERS = 64;
const MAX_HEADER_VALUE = 1_000;
const MAX_CAUSE_DEPTH = 4;

function keptHeaders(headers: Record<string, string> | undefined, secrets: PreparedSecrets): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof headers !== "object" || headers === null) return result;
  let count = 0;
  for (const name of Object.keys(headers)) {
    if (count >= MAX_KEPT_HEADERS) break;
    const lower = name.toLowerCase();
    if (lower.length > 200 || lower === "__proto__" || (SENSITIVE_HEADER.test(lower) && !RATE_LIMIT_HEADER.test(lower))) continue;
    result[lower] = redactAndTruncate(String(headers[name]), secrets, MAX_HEADER_VALUE);
    count += 1;
  }
  return result;
}

/**
 * A copy of a foreign error that caused a provider failure, scrubbed: its message can quote the response (a JSON
 * parse error shows the start of the body), so quoted excerpts are blanked as well as keys. Name, `code` and stack
 * frames are kept for debugging; ModelMesh errors are already clean and kept as they are.
 */
function scrubbedCause(cause: unknown, secrets: PreparedSecrets, depth = 0): unknown {
  if (cause === undefined || cause instanceof ModelMeshError) return cause;
  if (!(cause instanceof Error)) return redactBounded(cause, secrets);
  let message = redactAndTruncate(String(cause.message), secrets, MAX_PROVIDER_MESSAGE);
  if (cause instanceof SyntaxError) message = message.replace(/"[^"\n]{0,200}"(?:\.\.\.)?/g, '"…"');
  const copy = new Error(message);
  copy.name = redactText(String(cause.name), secrets);
  const code = (cause as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") (copy as { code?: unknown }).code = typeof code === "string" ? redactText(code, secrets) : code;
  const frames = typeof cause.stack === "string" ? cause.stack.split("\n").filter((line) => /^\s+at /.test(line)).slice(0, 20) : [];
  copy.stack = [`${copy.name}: ${message}`, ...frames.map((line) => redactText(line, secrets))].join("\n");
  if (cause.cause !== undefined && depth < MAX_CAUSE_DEPTH) copy.cause = scrubbedCause(cause.cause, secrets, depth + 1);
  return copy;
}

/** A provider answered with an error, or with something that is not its wire format. */
export class ProviderError extends ModelMeshError {
  override name: string = "ProviderError";
  readonly providerId: string;
  readonly modelId: string | undefined;
  readonly status: number | undefined;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  /**
   * `message`, `fields.body`, `fields.headers` and `options.cause` are kept as scrubbed, bounded copies: known
   * `options.secrets` and key-shaped strings become `[REDACTED]`, credential headers are dropped, the body is cut to
   * 8 levels, 50 items and 2,000 characters a string.
   * @example
   * throw new ProviderError("corp returned HTTP 500", { providerId: "corp", status: 500, body }, { secrets: [apiKey] });
   */
  constructor(message: string, fields: ProviderErrorFields = {}, options: ModelMeshErrorOptions = {}) {
    // Its own secrets, and every credential a provider in this process was configured with: errors are often built
    // where the key is not known (the router wrapping a connector's exception, a transport error's cause).
    const secrets = prepareSecrets([...(options.secrets ?? []), ...rememberedSecretValues()]);
    const { secrets: _secrets, ...rest } = options;
    super(redactAndTruncate(String(message), secrets, MAX_PROVIDER_MESSAGE), {
      code: "provider_error",
      ...rest,
      ...(options.cause === undefined ? {} : { cause: scrubbedCause(options.cause, secrets) }),
    });
    this.providerId = fields.providerId ?? "";
    this.modelId = fields.modelId;
    this.status = fields.status;
    this.body = fields.body === undefined ? undefined : redactBounded(fields.body, secrets);
    this.headers = keptHeaders(fields.headers, secrets);
  }
  protected override details(): Record<string, unknown> {
    return { providerId: this.providerId, modelId: this.modelId, status: this.status, body: this.body, headers: this.headers };
  }
}

/** 401/403: the key is wrong or lacks access. Every model served by that key is taken out. */
export class AuthenticationError extends ProviderError {
  override name = "AuthenticationError" as const;
  constructor(message: string, fields: ProviderErrorFields = {}, options: ModelMeshErrorOptions = {}) {
    super(message, fields, { code: "authentication_error", retryable: false, ...options });
  }
}

/**
 * A provider error that may sum up a whole request: when every attempt failed the same way (each rate limited, each
 * timed out) the caller gets one error of that kind, with each attempt's own error in `failures`, instead of
 * `AllProvidersExhaustedError`, so `instanceof RateLimitError` / `TimeoutError` catch it as with one provider.
 */
abstract class SummingProviderError extends ProviderError {
  /** How many attempts failed this way: 1 for a provider's own answer, more when this error sums up several. */
  readonly attempts: number;
  /** Each attempt with its own error, in order, when this error sums up several; empty for a single answer. */
  readonly failures: readonly Attempt[];
  constructor(message: string, fields: ProviderErrorFields & { failures?: readonly Attempt[] } = {}, options: ModelMeshErrorOptions) {
    super(message, fields, options);
    this.failures = fields.failures ?? [];
    this.attempts = Math.max(1, this.failures.length);
  }
  /** The errors of every attempt (`AllProvidersExhaustedError`'s field of the same name). */
  get errors(): ModelMeshError[] {
    return this.failures.map((attempt) => attempt.error);
  }
  /** The last attempt's error, or undefined for a single answer. */
  get lastError(): ModelMeshError | undefined {
    return this.failures.at(-1)?.error;
  }
  protected failureDetails() {
    return this.failures.length ? { failures: this.failures.map((a) => ({ provider: a.provider, model: a.model, error: a.error.toJSON() })) } : {};
  }
}

/**
 * 429 (and quota errors): `retryAfter` is in seconds, read from the provider's own headers. A request whose every
 * attempt was rate limited also ends in a RateLimitError (not AllProvidersExhaustedError): `attempts` counts the
 * tries, `errors` holds each provider's own RateLimitError, and `retryAfter` is the shortest wait any of them named.
 * @example
 * catch (error) { if (error instanceof RateLimitError) console.log(`retry after ${error.retryAfter}s, ${error.attempts} attempt(s)`) }
 */
export class RateLimitError extends SummingProviderError {
  override name = "RateLimitError" as const;
  readonly retryAfter: number | undefined;
  constructor(message: string, fields: ProviderErrorFields & { retryAfter?: number; failures?: readonly Attempt[] } = {}, options: ModelMeshErrorOptions = {}) {
    super(message, fields, { code: "rate_limit_exceeded", retryable: true, ...options });
    this.retryAfter = fields.retryAfter;
  }
  protected override details() {
    return { ...super.details(), retryAfter: this.retryAfter, attempts: this.attempts, ...this.failureDetails() };
  }
}

/**
 * The request, or the wait for its first byte, took longer than `timeoutMs`. A request whose every attempt timed out
 * ends in one TimeoutError (`attempts`, `errors`), as the official client's timeout error after its retries.
 * @example
 * catch (error) { if (error instanceof TimeoutError) console.log(`no answer within ${error.timeoutMs} ms, ${error.attempts} attempt(s)`) }
 */
export class TimeoutError extends SummingProviderError {
  override name = "TimeoutError" as const;
  readonly timeoutMs: number | undefined;
  constructor(message: string, fields: ProviderErrorFields & { timeoutMs?: number; failures?: readonly Attempt[] } = {}, options: ModelMeshErrorOptions = {}) {
    super(message, fields, { code: "timeout", retryable: true, ...options });
    this.timeoutMs = fields.timeoutMs;
  }
  protected override details() {
    return { ...super.details(), timeoutMs: this.timeoutMs, ...(this.failures.length ? { attempts: this.attempts, ...this.failureDetails() } : {}) };
  }
}

/** The connection failed before any HTTP status arrived (DNS, refused, reset). */
export class ConnectionError extends ProviderError {
  override name = "ConnectionError" as const;
  constructor(message: string, fields: ProviderErrorFields = {}, options: ModelMeshErrorOptions = {}) {
    super(message, fields, { code: "connection_error", retryable: true, ...options });
  }
}

export type BudgetLimitType = "daily" | "monthly" | "total" | "per-request" | (string & {});

/** A budget would be breached by this request; raised before it is sent. */
export class BudgetExceededError extends ModelMeshError {
  override name = "BudgetExceededError" as const;
  readonly limitType: BudgetLimitType;
  readonly limitValue: number;
  readonly scope: string;
  constructor(fields: { limitType: BudgetLimitType; limitValue: number; scope: string; spent?: number }, options: ModelMeshErrorOptions = {}) {
    super(`${fields.scope}: ${fields.limitType} budget of $${fields.limitValue} reached`, { code: "budget_exceeded", retryable: false, ...options });
    this.limitType = fields.limitType;
    this.limitValue = fields.limitValue;
    this.scope = fields.scope;
  }
  protected override details() {
    return { limitType: this.limitType, limitValue: this.limitValue, scope: this.scope };
  }
}

/** No model in the pool can serve this request (none configured, or none with the needed features). */
/**
 * No model of the pool can take the request. When the only models that could are cooling down, the error is
 * retryable and `retryAfter` says in how many seconds the first of them is back (as `RateLimitError.retryAfter`).
 * @example
 * catch (error) { if (error instanceof NoCapableModelError && error.retryAfter !== undefined) await sleep(error.retryAfter * 1000) }
 */
export class NoCapableModelError extends ModelMeshError {
  override name = "NoCapableModelError" as const;
  readonly target: string;
  /** Seconds until the first cooling-down model of the pool is back; undefined when none is cooling down. */
  readonly retryAfter: number | undefined;
  constructor(target: string, message: string, options: ModelMeshErrorOptions & { retryAfter?: number } = {}) {
    const { retryAfter, ...rest } = options;
    super(message, { code: "no_capable_model", retryable: false, ...rest });
    this.target = target;
    this.retryAfter = retryAfter;
  }
  protected override details() {
    return this.retryAfter === undefined ? { target: this.target } : { target: this.target, retryAfter: this.retryAfter };
  }
}

export class SecretNotFoundError extends ModelMeshError {
  override name = "SecretNotFoundError" as const;
  readonly secretName: string;
  constructor(secretName: string, store: string, options: ModelMeshErrorOptions = {}) {
    super(`secret "${secretName}" was not found in ${store}`, { code: "secret_not_found", retryable: false, ...options });
    this.secretName = secretName;
  }
  protected override details() {
    return { secretName: this.secretName };
  }
}

export class StorageError extends ModelMeshError {
  override name = "StorageError" as const;
  constructor(message: string, options: ModelMeshErrorOptions = {}) {
    super(message, { code: "storage_error", retryable: false, ...options });
  }
}

/**
 * A stream failed after chunks were delivered and the pool is set to `stream_failover: error`
 * (or the stream cannot be continued safely, e.g. it was emitting tool calls).
 */
/**
 * `chat.completions.parse()` got a choice that stopped at its token limit (`finish_reason: "length"`): its content is
 * cut, so it is not parsed. Named as the official OpenAI client's error for the same case.
 */
export class LengthFinishReasonError extends ModelMeshError {
  override name = "LengthFinishReasonError" as const;
  constructor(options: ModelMeshErrorOptions = {}) {
    super("Could not parse response content as the length limit was reached (raise max_completion_tokens)", { code: "length_finish_reason", retryable: false, ...options });
  }
}

/** `chat.completions.parse()` got a choice the service's content filter stopped (`finish_reason: "content_filter"`). */
export class ContentFilterFinishReasonError extends ModelMeshError {
  override name = "ContentFilterFinishReasonError" as const;
  constructor(options: ModelMeshErrorOptions = {}) {
    super("Could not parse response content as the request was rejected by the content filter", { code: "content_filter_finish_reason", retryable: false, ...options });
  }
}

export class StreamInterruptedError extends ModelMeshError {
  override name = "StreamInterruptedError" as const;
  readonly deliveredText: string;
  readonly modelId: string;
  constructor(fields: { deliveredText: string; modelId: string; reason?: string }, options: ModelMeshErrorOptions = {}) {
    super(`stream from ${fields.modelId} broke after ${fields.deliveredText.length} characters${fields.reason ? ` (${fields.reason})` : ""}`, {
      code: "stream_interrupted",
      retryable: true,
      ...options,
    });
    this.deliveredText = fields.deliveredText;
    this.modelId = fields.modelId;
  }
  protected override details() {
    return { deliveredText: this.deliveredText, modelId: this.modelId };
  }
}

export interface Attempt {
  provider: string;
  model: string;
  error: ModelMeshError;
}

/**
 * Every candidate failed. `attempts` is how many tries were made (a number, as in the FAQ's
 * `` `All ${e.attempts} attempts failed` ``); `errors` holds each try's error in order, `lastError` the final one, and
 * `failures` the same tries with the provider and model each went to.
 * @example
 * catch (error) { if (error instanceof AllProvidersExhaustedError) console.log(`All ${error.attempts} attempts failed`, error.lastError?.message) }
 */
export class AllProvidersExhaustedError extends ModelMeshError {
  override name = "AllProvidersExhaustedError" as const;
  /** The pool, capability or model the request asked for. */
  readonly target: string;
  readonly attempts: number;
  readonly failures: readonly Attempt[];
  constructor(target: string, failures: readonly Attempt[], options: ModelMeshErrorOptions = {}) {
    const summary = failures.map((a) => `${a.provider}/${a.model}: ${a.error.message}`).join("; ");
    super(`every model for "${target}" failed after ${failures.length} attempt(s): ${summary}`, {
      code: "all_providers_exhausted",
      retryable: failures.some((a) => a.error.retryable),
      cause: failures.at(-1)?.error,
      ...options,
    });
    this.target = target;
    this.failures = failures;
    this.attempts = failures.length;
  }
  get lastError(): ModelMeshError | undefined {
    return this.failures.at(-1)?.error;
  }
  get errors(): ModelMeshError[] {
    return this.failures.map((a) => a.error);
  }
  protected override details() {
    return { target: this.target, attempts: this.attempts, failures: this.failures.map((a) => ({ provider: a.provider, model: a.model, error: a.error.toJSON() })) };
  }
}

/**
 * The error for a request whose every attempt failed: a `RateLimitError` when each one was rate limited (so
 * `instanceof RateLimitError` and its `retryAfter`, the shortest wait named, work as the FAQ shows), a `TimeoutError`
 * when each one timed out, otherwise `AllProvidersExhaustedError`.
 * @example
 * throw exhaustedError("chat", attempts);
 */
export function exhaustedError(target: string, failures: readonly Attempt[]): RateLimitError | TimeoutError | AllProvidersExhaustedError {
  const every = (errorClass: abstract new (...args: never[]) => ModelMeshError) => failures.length > 0 && failures.every((attempt) => isModelMeshErrorOf(attempt.error, errorClass));
  const where = () => [...new Set(failures.map((attempt) => `${attempt.provider}/${attempt.model}`))].join(", ");
  if (every(TimeoutError)) {
    const last = failures.at(-1)!;
    const timeoutMs = (last.error as TimeoutError).timeoutMs;
    return new TimeoutError(
      `every model for "${target}" timed out (${failures.length} attempt(s): ${where()})${timeoutMs === undefined ? "" : `; the last had ${timeoutMs} ms`}`,
      { providerId: last.provider, modelId: last.model, timeoutMs, failures },
      { cause: last.error },
    );
  }
  if (!every(RateLimitError)) return new AllProvidersExhaustedError(target, failures);
  const waits = failures.map((attempt) => (attempt.error as RateLimitError).retryAfter).filter((value): value is number => typeof value === "number");
  const retryAfter = waits.length ? Math.min(...waits) : undefined;
  const soonest = failures.find((attempt) => (attempt.error as RateLimitError).retryAfter === retryAfter) ?? failures.at(-1)!;
  return new RateLimitError(
    `every model for "${target}" is rate limited (${failures.length} attempt(s): ${where()})${retryAfter === undefined ? "" : `; the soonest accepts requests again in ${retryAfter}s`}`,
    { providerId: soonest.provider, modelId: soonest.model, retryAfter, failures },
    { cause: failures.at(-1)!.error },
  );
}

const str = (value: unknown) => (typeof value === "string" ? value : "");
const num = (value: unknown) => (typeof value === "number" ? value : undefined);
const providerFields = (json: SerializedError): ProviderErrorFields => ({
  providerId: str(json.providerId),
  modelId: typeof json.modelId === "string" ? json.modelId : undefined,
  status: num(json.status),
  body: json.body,
  headers: (json.headers as Record<string, string> | undefined) ?? {},
});
const withMessage = <E extends ModelMeshError>(error: E, json: SerializedError): E => {
  error.message = json.message;
  return error;
};
const keep = (json: SerializedError) => ({ code: json.code, retryable: json.retryable });
function reviveFailures(value: unknown): Attempt[] {
  if (!Array.isArray(value)) return [];
  return (value as Array<{ provider: string; model: string; error: SerializedError }>).map((a) => ({ provider: a.provider, model: a.model, error: ModelMeshError.fromJSON(a.error) }));
}

const revivers: Record<string, (json: SerializedError) => ModelMeshError> = {
  ModelMeshError: reviveBaseError,
  ConfigError: reviveBaseError,
  ProviderError: (json) => new ProviderError(json.message, providerFields(json), keep(json)),
  AuthenticationError: (json) => new AuthenticationError(json.message, providerFields(json), keep(json)),
  RateLimitError: (json) => new RateLimitError(json.message, { ...providerFields(json), retryAfter: num(json.retryAfter), failures: reviveFailures(json.failures) }, keep(json)),
  TimeoutError: (json) => new TimeoutError(json.message, { ...providerFields(json), timeoutMs: num(json.timeoutMs), failures: reviveFailures(json.failures) }, keep(json)),
  ConnectionError: (json) => new ConnectionError(json.message, providerFields(json), keep(json)),
  BudgetExceededError: (json) =>
    withMessage(new BudgetExceededError({ limitType: str(json.limitType), limitValue: num(json.limitValue) ?? 0, scope: str(json.scope) }, keep(json)), json),
  InvalidRequestError: reviveBaseError,
  NoCapableModelError: (json) => {
    const retryAfter = num(json.retryAfter);
    return new NoCapableModelError(str(json.target), json.message, retryAfter === undefined ? keep(json) : { ...keep(json), retryAfter });
  },
  SecretNotFoundError: (json) => withMessage(new SecretNotFoundError(str(json.secretName), "", keep(json)), json),
  StorageError: (json) => new StorageError(json.message, keep(json)),
  LengthFinishReasonError: (json) => withMessage(new LengthFinishReasonError(keep(json)), json),
  ContentFilterFinishReasonError: (json) => withMessage(new ContentFilterFinishReasonError(keep(json)), json),
  StreamInterruptedError: (json) =>
    withMessage(new StreamInterruptedError({ deliveredText: str(json.deliveredText), modelId: str(json.modelId) }, keep(json)), json),
  // Older serialisations carried the list under `attempts`.
  AllProvidersExhaustedError: (json) => withMessage(new AllProvidersExhaustedError(str(json.target), reviveFailures(json.failures ?? json.attempts), keep(json)), json),
};

/** Every error class by its literal `name`, to recognise errors made by another copy of this package. */
const ERROR_CLASSES: Record<string, abstract new (...args: never[]) => ModelMeshError> = {
  ModelMeshError,
  ConfigError,
  ProviderError,
  AuthenticationError,
  RateLimitError,
  TimeoutError,
  ConnectionError,
  BudgetExceededError,
  InvalidRequestError,
  NoCapableModelError,
  SecretNotFoundError,
  StorageError,
  StreamInterruptedError,
  AllProvidersExhaustedError,
  LengthFinishReasonError,
  ContentFilterFinishReasonError,
};

/** An Error-like object with ModelMeshError's fields, whatever copy of the package made it. */
function looksLikeMeshError(value: unknown): value is ModelMeshError {
  // Error instances only: a plain `toJSON()` object has no methods; revive it with ModelMeshError.fromJSON.
  if (!(value instanceof Error)) return false;
  const record = value as unknown as Record<string, unknown>;
  return typeof record.name === "string" && Object.hasOwn(ERROR_CLASSES, record.name) && typeof record.code === "string" && typeof record.retryable === "boolean" && typeof record.message === "string";
}

/**
 * True for any ModelMesh error, including one thrown by another copy of the package (an app's own `modelmesh`
 * beside the proxy's, a bundle that inlined it): those fail `instanceof`, so they are recognised by `name`, `code`,
 * `retryable` and `message`.
 * @example
 * if (isModelMeshError(error) && error.retryable) scheduleRetry();
 */
export function isModelMeshError(value: unknown): value is ModelMeshError {
  return value instanceof ModelMeshError || looksLikeMeshError(value);
}

/**
 * `value instanceof ErrorClass`, also across copies of the package: decided by the error's `name`, with subclasses
 * counted (a `RateLimitError` is a `ProviderError`).
 * @example
 * if (isModelMeshErrorOf(error, RateLimitError)) console.log(error.retryAfter);
 */
export function isModelMeshErrorOf<T extends ModelMeshError>(value: unknown, errorClass: abstract new (...args: never[]) => T): value is T {
  if (value instanceof errorClass) return true;
  if (!looksLikeMeshError(value)) return false;
  const local = ERROR_CLASSES[value.name]!;
  return local === errorClass || local.prototype instanceof errorClass;
}


setReviver((json) => {
  const revive = revivers[json.name];
  return revive ? revive(json) : reviveBaseError(json);
});
