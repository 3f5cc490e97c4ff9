import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError, RateLimitError, TimeoutError } from "../../src/wire/errors.js";
import type { Provider, ProviderCallOptions } from "../../src/provider/provider.js";
import type { FakeMode } from "../fakes/openai.js";
import type { ExchangeRecord } from "../fakes/http.js";
import { endingOf, receivedAtLeast } from "./provider.contract.js";

/** The non-chat operations a retrieval or speech connector serves. */
export type ServiceOperation = "rerank" | "search" | "scrape" | "speech" | "transcription";

/** A retrieval or speech connector wired to its fake, and the one call the contract makes through it. */
export interface ServiceUnderTest {
  provider: Provider;
  /** The key the provider was given (must never leak). */
  apiKey: string;
  operation: ServiceOperation;
  /** One request of `operation`, with the call options passed through (the signal, the timeout). */
  call(options?: ProviderCallOptions): Promise<unknown>;
  enqueue(mode: FakeMode): void;
  /** What the fake received, in arrival order. */
  requests: ReadonlyArray<unknown>;
  /** How each exchange ended on the fake's side. */
  exchanges: readonly ExchangeRecord[];
  close(): Promise<void>;
  /** The 429 the service sends (its own header) and the `retryAfter` it means, in seconds (default `retry-after: 3`). */
  rateLimit?: { headers: Record<string, string>; retryAfter: number };
}

/**
 * What every retrieval and speech connector owes the router, beside its own suite: the caller's abort closes the
 * upstream connection and rejects with the caller's reason, a 429 carries the service's wait, a 408 or a service
 * that never answers is a `TimeoutError` (and the connection is closed).
 * @example
 * serviceContract("TavilyProvider", async () => ({ provider, apiKey, operation: "search", call: (options) => provider.search!(request, options), ...fake }));
 */
export function serviceContract(name: string, setup: () => Promise<ServiceUnderTest>): void {
  describe(`${name} (service contract)`, () => {
    let subject: ServiceUnderTest;
    beforeAll(async () => {
      subject = await setup();
    });
    afterAll(async () => {
      await subject.close();
    });

    it("serves its operation, and the exchange completes on the fake's side", async () => {
      expect(subject.provider.supports(subject.operation)).toBe(true);
      const mark = subject.exchanges.length;
      const result = await subject.call();
      expect(result).toMatchObject({ body: expect.anything() });
      expect(await endingOf(subject.exchanges, mark)).toBe("completed");
    });

    it("an AbortSignal aborted while the service works rejects with the caller's abort and closes the upstream", async () => {
      subject.enqueue({ kind: "slow", delayMs: 5_000 });
      const mark = subject.exchanges.length;
      const before = subject.requests.length;
      const controller = new AbortController();
      const pending = subject.call({ signal: controller.signal }).then(
        () => "answered",
        (caught: unknown) => caught,
      );
      await receivedAtLeast(subject.requests, before + 1);
      controller.abort();
      const error = await pending;
      expect(error).toBe(controller.signal.reason);
      expect((error as Error).name).toBe("AbortError");
      expect(await endingOf(subject.exchanges, mark)).toBe("client-closed");
    });

    it("a 429 is a RateLimitError with the service's own wait; a 408 is a TimeoutError; the key never shows", async () => {
      const limit = subject.rateLimit ?? { headers: { "retry-after": "3" }, retryAfter: 3 };
      subject.enqueue({ kind: "error", status: 429, headers: limit.headers });
      const limited = await subject.call().catch((caught: unknown) => caught);
      expect(limited).toBeInstanceOf(RateLimitError);
      expect((limited as RateLimitError).retryAfter).toBe(limit.retryAfter);
      subject.enqueue({ kind: "error", status: 408 });
      const timedOut = await subject.call().catch((caught: unknown) => caught);
      expect(timedOut).toBeInstanceOf(TimeoutError);
      for (const error of [limited, timedOut]) expect(JSON.stringify((error as ProviderError).toJSON())).not.toContain(subject.apiKey);
    });

    it("a service that never answers is a TimeoutError within the call's timeout, and the connection is closed", async () => {
      subject.enqueue({ kind: "hang" });
      const mark = subject.exchanges.length;
      const started = Date.now();
      const error = await subject.call({ timeoutMs: 300 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(await endingOf(subject.exchanges, mark)).toBe("client-closed");
    });
  });
}
