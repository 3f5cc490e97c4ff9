import { ConfigError } from "../wire/error-base.js";
import type { MeshEvent } from "../wire/events.js";
import { parseRetryAfter } from "../internal/headers.js";
import { sleep } from "../internal/sleep.js";
import { BaseObservability } from "./sink.js";
import type { BaseObservabilityConfig } from "./sink.js";

/**
 * Options of `modelmesh.webhook.v1` (YAML: `url`, `headers`, `batch_size`, `flush_interval_ms`, `max_queue`,
 * `max_retries`, `retry_base_ms`, `max_retry_delay_ms`, `timeout_ms`, plus every base option).
 * @example
 * const config: WebhookObservabilityConfig = { url: "https://hooks.example.com/modelmesh", minSeverity: "warning", batchSize: 20 };
 */
export interface WebhookObservabilityConfig extends BaseObservabilityConfig {
  /** Where batches are POSTed (http or https). */
  url: string;
  /** Extra request headers (an auth token: write it as `${secrets:NAME}` in YAML). */
  headers?: Record<string, string>;
  /** Events per POST; a full batch is sent at once (default 50). */
  batchSize?: number;
  /** A batch that is not full is sent this long after its first event (default 5 000 ms). */
  flushIntervalMs?: number;
  /** Events waiting to be sent before the oldest are dropped (counted in `droppedEvents`); default 1 000. */
  maxQueue?: number;
  /** Attempts after the first for a batch answered 408, 429, 5xx or not at all (default 5). */
  maxRetries?: number;
  /** First retry delay; it doubles each time, with jitter (default 500 ms). */
  retryBaseMs?: number;
  /** Longest wait between attempts, `Retry-After` included (default 30 000 ms). */
  maxRetryDelayMs?: number;
  /** A POST with no answer after this long is abandoned and retried (default 10 000 ms). */
  timeoutMs?: number;
  /**
   * Body shape: `json` (`{"source","dropped","events"}`) or `slack` (`{"text"}`, one line per event, what Slack's
   * incoming webhooks accept). Default: `slack` for a `hooks.slack.com` URL, `json` otherwise.
   */
  format?: "json" | "slack";
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

const HEADER_FIELDS = new Set(["time", "timestamp", "severity", "component", "type"]);

// One readable line per event for chat tools: `WARNING attempt-end pool=chat model=gpt-4o error=...`.
function textLine(json: string): string {
  const event = JSON.parse(json) as Record<string, unknown>;
  const details = Object.entries(event)
    .filter(([field, value]) => !HEADER_FIELDS.has(field) && value !== undefined)
    .map(([field, value]) => {
      if (field === "error" && typeof value === "object" && value !== null) return `error=${JSON.stringify((value as { message?: unknown }).message ?? value)}`;
      return `${field}=${typeof value === "string" ? value : JSON.stringify(value)}`;
    });
  return [String(event.severity).toUpperCase(), event.type, ...details].join(" ");
}

function checkWhole(value: unknown, name: string, minimum: number): void {
  if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < minimum)) {
    throw new ConfigError(`observability.config.${name}`, `must be a whole number, ${minimum} or more (got ${JSON.stringify(value)})`);
  }
}

// 408 and 429 say "later"; 5xx say the receiver failed. Any other answer will not change on a retry.
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Sends events to an HTTP endpoint in batches (`modelmesh.webhook.v1`): alerting (Slack, PagerDuty through a relay),
 * log intake, a collector of your own. Each POST carries `{"source":"modelmesh","events":[...],"dropped":N}`, the
 * events as the JSON-log sink writes them and `dropped` the events lost so far; with `format: "slack"` (the default
 * for a hooks.slack.com URL) it carries `{"text": ...}`, one line per event. Batches go one at a time, in order:
 * when `batchSize` events are waiting, or `flushIntervalMs` after the first. A batch answered 408, 429 or 5xx, or
 * not answered, is retried up to `maxRetries` times with doubling delays (jittered), waiting what `Retry-After`
 * asks when it is given; after that, or on any other 4xx, it is dropped and counted. Emitting never waits for the
 * network: if the receiver falls behind by more than `maxQueue` events the oldest are dropped and counted.
 * `flush()` sends everything waiting; `close()` flushes and stops the timer.
 * @example
 * const sink = new WebhookObservability({ url: "https://hooks.example.com/modelmesh", minSeverity: "warning" });
 * const client = create("chat-completion", { observability: { instance: sink } });
 */
export class WebhookObservability extends BaseObservability {
  static readonly connectorId = "modelmesh.webhook.v1";
  static readonly shortName = "webhook";
  override readonly id: string = WebhookObservability.connectorId;
  readonly url: string;
  // Error messages name the origin only: a webhook's path is often its secret (Slack's /services/T…/B…/…).
  readonly #origin: string;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxQueue: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  readonly maxRetryDelayMs: number;
  readonly timeoutMs: number;
  readonly format: "json" | "slack";
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch | undefined;
  #queue: string[] = [];
  #dropped = 0;
  #sent = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending: Promise<void> | undefined;

  constructor(config: WebhookObservabilityConfig) {
    super(config);
    let url: URL;
    try {
      url = new URL(String(config?.url));
    } catch {
      throw new ConfigError("observability.config.url", `${WebhookObservability.connectorId} needs "url", an http(s) address to POST events to`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new ConfigError("observability.config.url", `must be an http(s) address (got ${url.protocol})`);
    if (config.headers !== undefined && (typeof config.headers !== "object" || config.headers === null || Object.values(config.headers).some((value) => typeof value !== "string"))) {
      throw new ConfigError("observability.config.headers", "must map header names to strings");
    }
    checkWhole(config.batchSize, "batch_size", 1);
    checkWhole(config.flushIntervalMs, "flush_interval_ms", 0);
    checkWhole(config.maxQueue, "max_queue", 1);
    checkWhole(config.maxRetries, "max_retries", 0);
    checkWhole(config.retryBaseMs, "retry_base_ms", 0);
    checkWhole(config.maxRetryDelayMs, "max_retry_delay_ms", 0);
    checkWhole(config.timeoutMs, "timeout_ms", 1);
    if (config.format !== undefined && config.format !== "json" && config.format !== "slack") {
      throw new ConfigError("observability.config.format", `must be "json" or "slack" (got ${JSON.stringify(config.format)})`);
    }
    this.format = config.format ?? (url.hostname === "hooks.slack.com" ? "slack" : "json");
    this.url = url.href;
    this.#origin = url.origin;
    this.#headers = { ...config.headers };
    this.batchSize = config.batchSize ?? 50;
    this.flushIntervalMs = config.flushIntervalMs ?? 5_000;
    this.maxQueue = config.maxQueue ?? 1_000;
    this.maxRetries = config.maxRetries ?? 5;
    this.retryBaseMs = config.retryBaseMs ?? 500;
    this.maxRetryDelayMs = config.maxRetryDelayMs ?? 30_000;
    this.timeoutMs = config.timeoutMs ?? 10_000;
    this.#fetch = config.fetch;
  }

  /** Events lost: dropped from a full queue, or in a batch the receiver refused or never took. */
  get droppedEvents(): number {
    return this.#dropped;
  }

  /** Events the receiver accepted (2xx). */
  get sentEvents(): number {
    return this.#sent;
  }

  override async flush(): Promise<void> {
    this.clearTimer();
    while (this.#queue.length > 0 || this.#sending) {
      this.#sending ??= this.sendAll(true);
      await this.#sending;
    }
  }

  override async close(): Promise<void> {
    await super.close();
    this.clearTimer();
  }

  protected override _formatEvent(event: MeshEvent): string {
    const time = Number.isFinite(event.timestamp) ? new Date(event.timestamp).toISOString() : undefined;
    return JSON.stringify({ time, ...event });
  }

  protected _write(line: string): void {
    this.#queue.push(line);
    if (this.#queue.length > this.maxQueue) {
      this.#queue.shift();
      this.#dropped += 1;
    }
    if (this.#sending) return;
    if (this.#queue.length >= this.batchSize) this.kick(0, false);
    else if (!this.#timer) this.kick(this.flushIntervalMs, true);
  }

  /** `all`: the flush timer sends a partial batch too; a full batch's kick sends full batches only. */
  private kick(delay: number, all: boolean): void {
    this.clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#sending ??= this.sendAll(all);
    }, delay);
    // A pending batch never keeps a Node process alive; close() sends it.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  private clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  private async sendAll(all: boolean): Promise<void> {
    try {
      while (this.#queue.length >= (all ? 1 : this.batchSize)) {
        const batch = this.#queue.splice(0, this.batchSize);
        if (!(await this.sendBatch(batch))) this.#dropped += batch.length;
        else this.#sent += batch.length;
      }
    } finally {
      this.#sending = undefined;
    }
    // Events that arrived during the last POST but do not fill a batch wait for the timer.
    if (this.#queue.length > 0 && !this.#timer) this.kick(this.#queue.length >= this.batchSize ? 0 : this.flushIntervalMs, this.#queue.length < this.batchSize);
  }

  /** True when the receiver took the batch. */
  private async sendBatch(batch: string[]): Promise<boolean> {
    const body =
      this.format === "slack"
        ? JSON.stringify({ text: [...(this.#dropped ? [`(${this.#dropped} event(s) dropped so far)`] : []), ...batch.map(textLine)].join("\n") })
        : `{"source":"modelmesh","dropped":${this.#dropped},"events":[${batch.join(",")}]}`;
    for (let attempt = 0; ; attempt++) {
      let wait: number | undefined;
      try {
        const response = await this.post(body);
        if (response.ok) return true;
        // Drain the body so the connection is reused.
        await response.arrayBuffer().catch(() => undefined);
        if (!retryable(response.status) || attempt >= this.maxRetries) {
          this.reportError(new Error(`${WebhookObservability.connectorId}: ${this.#origin} answered ${response.status}; ${batch.length} event(s) dropped`));
          return false;
        }
        wait = parseRetryAfter(response.headers, Date.now());
      } catch (error) {
        if (attempt >= this.maxRetries) {
          this.reportError(error);
          return false;
        }
      }
      const backoff = this.retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2);
      await sleep(Math.min(this.maxRetryDelayMs, wait ?? backoff));
    }
  }

  private async post(body: string): Promise<Response> {
    const fetcher = this.#fetch ?? globalThis.fetch;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`${WebhookObservability.connectorId}: no answer from ${this.#origin} in ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      return await fetcher(this.url, { method: "POST", headers: { "content-type": "application/json", ...this.#headers }, body, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  }
}
