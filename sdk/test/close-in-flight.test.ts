import { afterEach, describe, expect, it } from "vitest";
import { create, InvalidRequestError, MemoryStorage } from "../src/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider } from "./support/mesh.js";

// `close()` on shutdown: a request still running when it is called ends first (up to the wait), so its usage is in
// the state written; a stream nobody reads does not hold the shutdown past the wait.
const hello = [{ role: "user" as const, content: "Hello" }];
let fake: FakeOpenAI;

afterEach(async () => {
  await fake?.close();
});

function mesh(storage: MemoryStorage) {
  return create({ config: { providers: { openai: chatProvider(fake, "sk-test", ["gpt-4o-mini"]) } }, storage: { instance: storage }, persistDelayMs: 60_000 });
}

describe("close() and requests still running", () => {
  it("waits for a request in flight, and the state it writes counts that request", async () => {
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    fake.setMode({ kind: "slow", delayMs: 150 });
    const storage = new MemoryStorage();
    const first = mesh(storage);
    await first.ready();
    const answer = first.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
    // The request has reached the service before close() is called.
    await expect.poll(() => fake.requests.length).toBe(1);
    await first.close();
    // The answer came back whole, not cut by the shutdown.
    expect((await answer).choices[0]!.message.content).toBe("Hello from gpt-4o-mini: Hello");
    const second = mesh(storage);
    await second.ready();
    expect(second.usage.requests).toBe(1);
    expect(second.usage.byModel["openai/gpt-4o-mini"]!.requests).toBe(1);
    await second.close();
  });

  it("waits at most timeoutMs for a stream nobody reads, then writes what has ended", async () => {
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    const storage = new MemoryStorage();
    const first = mesh(storage);
    await first.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
    const stream = await first.chat.completions.create({ model: "gpt-4o-mini", messages: hello, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const started = Date.now();
    await first.close({ timeoutMs: 200 });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(2_000);
    const second = mesh(storage);
    await second.ready();
    // The finished request is saved; the stream still open is not (it had not ended).
    expect(second.usage.requests).toBe(1);
    await iterator.return?.();
    await second.close();
  });

  it("with nothing running, or with timeoutMs 0, closes at once; a bad timeoutMs is refused", async () => {
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    fake.setMode({ kind: "slow", delayMs: 2_000 });
    const client = mesh(new MemoryStorage());
    await client.ready();
    await expect(client.close({ timeoutMs: -1 })).rejects.toThrow(InvalidRequestError);
    await expect(client.close({ timeoutMs: Number.NaN })).rejects.toMatchObject({ param: "timeoutMs" });
    await expect(client.close({ timeoutMs: "5" as unknown as number })).rejects.toThrow(InvalidRequestError);
    await expect(client.close({ timeoutMs: 3_600_001 })).rejects.toThrow("from 0 to 3600000");
    const pending = client.chat.completions.create({ model: "gpt-4o-mini", messages: hello }).catch((error: unknown) => error);
    await expect.poll(() => fake.requests.length).toBe(1);
    const started = Date.now();
    await client.close({ timeoutMs: 0 });
    expect(Date.now() - started).toBeLessThan(1_000);
    void pending;
  });

  it("a second close() while the first waits resolves with it", async () => {
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    fake.setMode({ kind: "slow", delayMs: 150 });
    const storage = new MemoryStorage();
    const client = mesh(storage);
    await client.ready();
    const answer = client.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
    await expect.poll(() => fake.requests.length).toBe(1);
    const order: string[] = [];
    await Promise.all([client.close().then(() => order.push("first")), client.close().then(() => order.push("second")), answer.then(() => order.push("answer"))]);
    expect(order[0]).toBe("answer");
    expect(order).toHaveLength(3);
  });

  it("waits for the last of two requests in flight, and an hour is an accepted wait", async () => {
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    const storage = new MemoryStorage();
    const first = mesh(storage);
    await first.ready();
    fake.setMode({ kind: "slow", delayMs: 40 });
    const quick = first.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
    await expect.poll(() => fake.requests.length).toBe(1);
    fake.setMode({ kind: "slow", delayMs: 250 });
    const slow = first.chat.completions.create({ model: "gpt-4o-mini", messages: hello });
    await expect.poll(() => fake.requests.length).toBe(2);
    await first.close({ timeoutMs: 3_600_000 });
    await Promise.all([quick, slow]);
    const second = mesh(storage);
    await second.ready();
    // Both are in the saved state: close() did not stop at the first one's end.
    expect(second.usage.requests).toBe(2);
    await second.close();
  });
});
