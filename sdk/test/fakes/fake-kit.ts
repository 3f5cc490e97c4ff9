import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeMode } from "./openai.js";
import { startLocalServer, type ExchangeRecord } from "./http.js";

// What the non-OpenAI fakes (Anthropic, Gemini) share: mode queues, request recording, paced writes. Each fake
// keeps its own wire format; only the plumbing lives here.

/** The OpenAI fake's modes plus what other wire formats have: an error event inside a 200 stream, keep-alives. */
export type WireFakeMode =
  | FakeMode
  /** A 200 stream that sends `afterEvents` events, then the service's in-band error event. */
  | { kind: "in-band-error"; afterEvents: number; errorType?: string }
  /** A normal answer with `count` keep-alive events (Anthropic `ping`) before every content event. */
  | { kind: "pings"; count: number };

/** One request as the fake received it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as sent (`/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`). */
  url: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  /** Stream events written so far for this request (grows while the answer streams). */
  eventsSent: number;
  /** Events the whole answer has (set when the answer is planned). */
  eventsPlanned: number;
}

/** Controls every fake exposes, as the OpenAI fake does. */
export interface FakeControls {
  /** `http://127.0.0.1:PORT` plus the version segment the real service uses. */
  url: string;
  /** The origin alone, for tests that pass a base URL without the version segment. */
  origin: string;
  requests: ReceivedRequest[];
  /** How each exchange ended on the server's side (completed, or closed by the client first), in arrival order. */
  exchanges: ExchangeRecord[];
  enqueue(mode: WireFakeMode): void;
  setMode(mode: WireFakeMode): void;
  reset(): void;
  close(): Promise<void>;
}

/** Queued one-shot modes, then a persistent one, then ok. */
export class ModeQueue {
  private readonly queued: WireFakeMode[] = [];
  private persistent: WireFakeMode | undefined;

  enqueue(mode: WireFakeMode): void {
    this.queued.push(mode);
  }

  set(mode: WireFakeMode): void {
    this.persistent = mode;
  }

  take(): WireFakeMode {
    return this.queued.shift() ?? this.persistent ?? { kind: "ok" };
  }

  reset(): void {
    this.queued.length = 0;
    this.persistent = undefined;
  }
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    request.on("close", () => resolve(Buffer.concat(parts).toString("utf8")));
    request.on("error", reject);
  });
}

export function flattenHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  return flat;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A signal that fires when the client hangs up (or the fake closes its socket). */
export function clientGone(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.on("close", () => controller.abort());
  return controller.signal;
}

/** Resolves true after the delay, false as soon as the client is gone. */
export function sleep(milliseconds: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, milliseconds);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function write(response: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    response.write(data, () => resolve());
  });
}

/**
 * Writes SSE frames one by one under a mode (slow-stream delays, break-stream drops the socket after K frames),
 * counting each frame on the recorded request once it is written.
 */
export async function writeFrames(response: ServerResponse, frames: string[], mode: WireFakeMode, record: ReceivedRequest, signal: AbortSignal): Promise<void> {
  record.eventsPlanned = frames.length;
  for (const [index, frame] of frames.entries()) {
    // Comment frames (OpenRouter's processing notes) go out at once, as the service sends them while it waits.
    if (mode.kind === "slow-stream" && index > 0 && !frame.startsWith(":")) {
      if (!(await sleep(mode.chunkDelayMs, signal))) return;
    } else {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) return;
    }
    if (response.destroyed) return;
    await write(response, frame);
    record.eventsSent = index + 1;
    if (mode.kind === "break-stream" && index + 1 >= mode.afterChunks) {
      response.destroy();
      return;
    }
  }
  response.end();
}

/** Splits a text into small pieces the way a model streams it (words with their leading space). */
export function pieces(text: string): string[] {
  const parts = text.match(/\s*\S+/g) ?? [text];
  return parts.length > 0 ? parts : [text];
}

/** Splits a JSON text into fragments of a few characters, as services stream tool-call arguments. */
export function fragments(text: string, size = 7): string[] {
  const result: string[] = [];
  for (let index = 0; index < text.length; index += size) result.push(text.slice(index, index + size));
  return result;
}

/** The fake's token estimate: ceil(characters / 4), so tests can predict usage exactly. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function randomToken(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let result = "";
  for (let index = 0; index < length; index += 1) result += alphabet[Math.floor(Math.random() * alphabet.length)];
  return result;
}

/**
 * Starts a wire fake on 127.0.0.1: a mode queue, the record of what it received, and the controls every fake exposes.
 * `handle` answers one request; `versionPath` is the service's version segment (`url` = origin + it).
 * @example
 * const fake = await startWireFake("/v2", (request, response, modes, requests) => handle(request, response, modes, requests));
 */
export async function startWireFake(
  versionPath: string,
  handle: (request: IncomingMessage, response: ServerResponse, modes: ModeQueue, requests: ReceivedRequest[]) => Promise<void>,
  onReset: () => void = () => {},
): Promise<FakeControls> {
  const modes = new ModeQueue();
  const requests: ReceivedRequest[] = [];
  const local = await startLocalServer((request, response) => handle(request, response, modes, requests));
  return {
    url: `${local.url}${versionPath}`,
    origin: local.url,
    requests,
    exchanges: local.exchanges,
    enqueue: (mode) => modes.enqueue(mode),
    setMode: (mode) => modes.set(mode),
    reset() {
      modes.reset();
      requests.length = 0;
      onReset();
    },
    close: () => local.close(),
  };
}
