import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, ProviderError, RateLimitError, TimeoutError } from "../../src/wire/errors.js";
import { capabilities } from "../../src/wire/capabilities.js";
import type { Provider } from "../../src/provider/provider.js";
import type { FakeMode } from "../fakes/openai.js";
import { wireValidator } from "../wire-schema.js";

/** A provider wired to a fake that speaks its wire format, plus the fake's controls. */
export interface ProviderUnderTest {
  provider: Provider;
  /** A chat model both the provider lists and the fake serves. */
  chatModel: string;
  /** The key the provider was given (must never leak). */
  apiKey: string;
  enqueue(mode: FakeMode): void;
  close(): Promise<void>;
  /**
   * The fake's mode for an error reported inside a 200 stream after some content (default: the wire fakes'
   * `in-band-error` after 3 events; the OpenAI fake names it `stream-error`).
   */
  inBandMode?: unknown;
}

/** The behaviour every provider connector owes the router, whatever its wire format. */
export function providerContract(name: string, setup: () => Promise<ProviderUnderTest>): void {
  describe(`${name} (provider contract)`, () => {
    const wire = wireValidator();
    let subject: ProviderUnderTest;
    beforeAll(async () => {
      subject = await setup();
    });
    afterAll(async () => {
      await subject.close();
    });
    const request = () => ({ model: subject.chatModel, messages: [{ role: "user" as const, content: "Say hello" }] });

    it("lists models tagged with full capability paths, and supports what they need", () => {
      const models = subject.provider.listModels();
      expect(models.length).toBeGreaterThan(0);
      for (const model of models) {
        expect(model.id).toMatch(/\S/);
        for (const capability of model.capabilities) expect(capabilities.isKnown(capability) && capabilities.resolve(capability)).toBe(capability);
      }
      expect(subject.provider.supports("chat")).toBe(true);
    });

    it("answers chat in OpenAI's wire shape", async () => {
      const { body } = await subject.provider.chat(request());
      expect(body.choices[0]?.message.content).toMatch(/\S/);
      expect(body.model).toBeTruthy();
      if (wire) expect(wire.validate("response.chat", body)).toEqual([]);
    });

    it("streams chunks in OpenAI's wire shape, and stops the upstream when the reader stops", async () => {
      const { body } = await subject.provider.chatStream({ ...request(), stream: true });
      const chunks = [];
      for await (const chunk of body) chunks.push(chunk);
      expect(chunks.length).toBeGreaterThan(2);
      if (wire) for (const chunk of chunks) expect(wire.validate("response.chunk", chunk)).toEqual([]);
      subject.enqueue({ kind: "slow-stream", chunkDelayMs: 200 });
      const started = Date.now();
      const slow = await subject.provider.chatStream({ ...request(), stream: true });
      for await (const chunk of slow.body) {
        void chunk;
        break;
      }
      expect(Date.now() - started).toBeLessThan(400);
    });

    it("maps the service's errors onto the ModelMesh error tree", async () => {
      const cases: Array<[FakeMode, (error: unknown) => void]> = [
        [{ kind: "error", status: 401 }, (error) => expect(error).toBeInstanceOf(AuthenticationError)],
        [{ kind: "error", status: 429, headers: { "retry-after": "7" } }, (error) => expect((error as RateLimitError).retryAfter).toBe(7)],
        [{ kind: "error", status: 500 }, (error) => expect((error as ProviderError).retryable).toBe(true)],
        [{ kind: "error", status: 404 }, (error) => expect((error as ProviderError).code).toBe("model_not_found")],
        [{ kind: "error", status: 400 }, (error) => expect((error as ProviderError).retryable).toBe(false)],
        [{ kind: "malformed" }, (error) => expect((error as ProviderError).code).toBe("malformed_response")],
        // A 403 is about the key's rights (or the content): an AuthenticationError, never a retry.
        [{ kind: "error", status: 403 }, (error) => expect(error).toBeInstanceOf(AuthenticationError)],
        // 529 (Anthropic's "overloaded", used by others too) is transient.
        [{ kind: "error", status: 529 }, (error) => expect((error as ProviderError).retryable).toBe(true)],
      ];
      for (const [mode, check] of cases) {
        subject.enqueue(mode);
        const error = await subject.provider.chat(request()).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ProviderError);
        check(error);
        expect(JSON.stringify((error as ProviderError).toJSON())).not.toContain(subject.apiKey);
      }
    });

    it("a service that never answers is a TimeoutError within the call's timeout", async () => {
      subject.enqueue({ kind: "hang" });
      const started = Date.now();
      const error = await subject.provider.chat(request(), { timeoutMs: 300 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    it("an error reported inside a 200 stream, after content, ends the stream with a typed error", async () => {
      subject.enqueue((subject.inBandMode ?? { kind: "in-band-error", afterEvents: 3 }) as FakeMode);
      const { body } = await subject.provider.chatStream({ ...request(), stream: true });
      const received: unknown[] = [];
      const error = await (async () => {
        for await (const chunk of body) received.push(chunk);
      })().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(received.length).toBeGreaterThan(0);
      expect(JSON.stringify((error as ProviderError).toJSON())).not.toContain(subject.apiKey);
    });

    it("never exposes its key", () => {
      expect(subject.provider.keyId).not.toContain(subject.apiKey);
      expect(JSON.stringify(subject.provider)).not.toContain(subject.apiKey);
    });
  });
}
