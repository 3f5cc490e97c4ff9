import { test, expect, stopServiceWorkers } from "./fixtures.js";
import { startFakeOpenAI, type FakeOpenAI } from "../sdk/test/fakes/openai.js";
import type { LocalServer } from "../sdk/test/fakes/http.js";
import { adminOf, answerConsent, bundlePageClient, configure, startSite, streamInPage } from "./extension-support.js";

// Chrome stops an idle MV3 service worker; Playwright's attachment keeps it alive, so the specs stop it through the
// DevTools protocol. What must hold: state (grants, spend, budgets) comes back on the next request, and a request in
// flight when the worker dies fails on the page with a clear error instead of hanging.

const KEY_A = ["sk", "e2e", "alpha", Math.random().toString(36).slice(2), "0123456789abcdef"].join("-");
const KEY_B = ["sk", "e2e", "beta", Math.random().toString(36).slice(2), "fedcba9876543210"].join("-");

let fakes: { a: FakeOpenAI; b: FakeOpenAI };
let site: LocalServer;

test.beforeAll(async () => {
  fakes = { a: await startFakeOpenAI({ name: "a", models: ["alpha"], apiKeys: [KEY_A] }), b: await startFakeOpenAI({ name: "b", models: ["beta"], apiKeys: [KEY_B] }) };
  site = await startSite(await bundlePageClient());
});
test.afterAll(async () => {
  await Promise.all([fakes.a.close(), fakes.b.close(), site.close()]);
});
test.beforeEach(() => {
  fakes.a.reset();
  fakes.b.reset();
});

type Usage = { totalCost: number; requests: number; bySite: Record<string, { cost: number; requests: number }>; budgets: Record<string, { spent: number }> };

test("the worker is stopped mid-session: the next request works, with the grant and the same spend", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, fakes, { a: KEY_A, b: KEY_B });
  const page = await context.newPage();
  await page.goto(site.url);
  const first = streamInPage(page, { budget: { dailyLimit: 1 } });
  await answerConsent(context, "Always allow");
  expect(await first).toMatchObject({ ok: true });
  const before = await admin.call<Usage>("usage.get");
  expect(before.requests).toBe(1);
  expect(before.totalCost).toBeGreaterThan(0);

  // A marker in the worker's memory: gone after the stop, so the next request really meets a new worker.
  await extension.serviceWorker.evaluate(() => ((globalThis as any).__beforeStop = true));
  await stopServiceWorkers(context);
  const second = await streamInPage(page);
  const worker = context.serviceWorkers().find((candidate) => candidate.url().startsWith(`chrome-extension://${extensionId}/`))!;
  expect(await worker.evaluate(() => (globalThis as any).__beforeStop ?? false)).toBe(false);
  expect(second).toMatchObject({ ok: true, text: "Hello from alpha: Hello there" });
  // No consent window the second time: the grant came back from chrome.storage.
  expect(context.pages().filter((open) => open.url().includes("/src/consent/") && !open.isClosed())).toHaveLength(0);
  const after = await admin.call<Usage>("usage.get");
  // The spend before the stop was restored from IndexedDB and the new request added to it (nothing lost, nothing doubled).
  expect(after.requests).toBe(2);
  expect(after.totalCost).toBeCloseTo(before.totalCost * 2, 9);
  expect(after.bySite[site.url]).toMatchObject({ requests: 2 });
  expect(after.budgets[`scope:site:${site.url}`]!.spent).toBeCloseTo(after.bySite[site.url]!.cost, 9);
  expect(fakes.a.requests).toHaveLength(2);

  // Cold start to first chunk (worker stopped → page request → first chunk), against warm requests, in the page's clock.
  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    await stopServiceWorkers(context);
    const coldRun = await streamInPage(page);
    const warmRun = await streamInPage(page);
    if (!coldRun.ok || !warmRun.ok) throw new Error(`request failed: ${JSON.stringify([coldRun, warmRun])}`);
    cold.push(coldRun.firstChunkMs);
    warm.push(warmRun.firstChunkMs);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(`cold start to first chunk: median ${median(cold).toFixed(0)} ms (runs: ${cold.map((value) => value.toFixed(0)).join(", ")}); warm: median ${median(warm).toFixed(0)} ms (runs: ${warm.map((value) => value.toFixed(0)).join(", ")})`);
  expect(median(cold)).toBeLessThan(5_000);
  expect((await admin.call<Usage>("usage.get")).requests).toBe(12);
});

test("a request in flight when the worker is stopped fails on the page with a clear typed error", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, fakes, { a: KEY_A, b: KEY_B });
  const page = await context.newPage();
  await page.goto(site.url);
  const first = streamInPage(page);
  await answerConsent(context, "Always allow");
  expect(await first).toMatchObject({ ok: true });

  fakes.a.setMode({ kind: "slow-stream", chunkDelayMs: 400 });
  const inFlight = page.evaluate(async () => {
    const client = await (window as any).ModelMesh.connectExtension();
    const stream = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "a long answer please" }], stream: true });
    let chunks = 0;
    try {
      for await (const _chunk of stream) {
        chunks += 1;
        if (chunks === 1) (window as any).__firstChunk = true;
      }
      return { ok: true, chunks };
    } catch (error: any) {
      return { ok: false, chunks, name: error.name, code: error.code, retryable: error.retryable, message: error.message };
    }
  });
  await expect.poll(() => page.evaluate(() => (window as any).__firstChunk === true)).toBe(true);
  const stoppedAt = Date.now();
  await stopServiceWorkers(context);
  const result = await inFlight;
  expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  expect(result).toMatchObject({ ok: false, name: "ModelMeshError", code: "extension_disconnected", retryable: true });
  expect(result.chunks).toBeGreaterThan(0);
  expect(result.message).toContain("stopped before it answered");

  // The extension works again right after.
  fakes.a.setMode({ kind: "ok" });
  expect(await streamInPage(page)).toMatchObject({ ok: true });
});
