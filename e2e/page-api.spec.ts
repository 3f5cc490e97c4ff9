import { resolve } from "node:path";
import { test, expect, SCREENSHOTS } from "./fixtures.js";
import { startFakeOpenAI, type FakeOpenAI } from "../sdk/test/fakes/openai.js";
import type { LocalServer } from "../sdk/test/fakes/http.js";
import { adminOf, answerConsent, bundlePageClient, configure, recordContentScript, startSite, streamInPage } from "./extension-support.js";

// A web page uses the extension through `modelmesh/extension`: consent, streaming, denial, forged messages, and no key
// in anything a page or the content script receives. Budgets and failover: page-routing.spec.ts.

// Built at run time so no key-shaped literal sits in the tree; unique per run so a scan cannot match by accident.
const KEY_A = ["sk", "e2e", "alpha", Math.random().toString(36).slice(2), "0123456789abcdef"].join("-");
const KEY_B = ["sk", "e2e", "beta", Math.random().toString(36).slice(2), "fedcba9876543210"].join("-");

let fakes: { a: FakeOpenAI; b: FakeOpenAI };
let site: LocalServer;
let otherSite: LocalServer;

test.beforeAll(async () => {
  fakes = { a: await startFakeOpenAI({ name: "a", models: ["alpha"], apiKeys: [KEY_A] }), b: await startFakeOpenAI({ name: "b", models: ["beta"], apiKeys: [KEY_B] }) };
  const client = await bundlePageClient();
  site = await startSite(client);
  otherSite = await startSite(client);
});
test.afterAll(async () => {
  await Promise.all([fakes.a.close(), fakes.b.close(), site.close(), otherSite.close()]);
});
test.beforeEach(() => {
  fakes.a.reset();
  fakes.b.reset();
});

/** Every key-shaped value this run uses, scanned for in what pages and the content script received. */
function expectNoKey(texts: string[]) {
  const joined = texts.join("\n");
  expect(joined).not.toContain(KEY_A);
  expect(joined).not.toContain(KEY_B);
}

test("a page asks, the person allows in the consent window, the page streams a completion; no key reaches the page or the content script", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, fakes, { a: KEY_A, b: KEY_B });
  const page = await context.newPage();
  await page.goto(site.url);
  const recorder = await recordContentScript(context, page);

  const streamed = streamInPage(page, { budget: { dailyLimit: 0.5 } });
  const consent = await answerConsent(context, "Always allow", resolve(SCREENSHOTS, "consent.png"));
  const result = await streamed;

  expect(result).toMatchObject({ ok: true, text: "Hello from alpha: Hello there" });
  expect(result.ok && result.chunks).toBeGreaterThan(2);
  // The consent window showed the site's own origin and the budget it asked for.
  expect(consent.isClosed() || (await consent.getByTestId("origin").count()) === 0).toBe(true);
  // The provider got the person's key from the worker, and the request the page made.
  expect(fakes.a.requests).toHaveLength(1);
  expect(fakes.a.requests[0]!.headers.authorization).toBe(`Bearer ${KEY_A}`);
  expect(fakes.a.requests[0]!.body.messages).toEqual([{ role: "user", content: "Hello there" }]);
  const sites = await admin.call<Array<{ origin: string; grant: string; budget: { dailyLimit?: number } }>>("sites.list");
  expect(sites).toEqual([expect.objectContaining({ origin: site.url, grant: "always", budget: { dailyLimit: 0.5 } })]);
  const activity = await admin.call<Array<{ origin: string; outcome: string; model?: string; provider?: string; cost: number; prompt?: string }>>("activity.list", { origin: site.url });
  expect(activity).toHaveLength(1);
  expect(activity[0]).toMatchObject({ origin: site.url, outcome: "ok", provider: "fake-a", model: "alpha" });
  expect(activity[0]!.cost).toBeGreaterThan(0);
  // Content logging is off: the activity log has no prompt.
  expect(activity[0]!.prompt).toBeUndefined();

  const pageMessages = await page.evaluate(() => (window as any).__recorded as string[]);
  const portMessages = await recorder.read();
  expect(pageMessages.some((message) => message.includes('"kind":"chunk"'))).toBe(true);
  expect(portMessages.some((message) => message.includes('"kind":"chunk"'))).toBe(true);
  // The key test is a real call from the worker with the stored key; its answer (like keys.list) names no key.
  const probe = await admin.call<{ ok: boolean; latencyMs: number; model?: string }>("keys.test", { provider: "fake-b" });
  expect(probe).toMatchObject({ ok: true, model: expect.stringContaining("beta") });
  expect(fakes.b.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY_B}`);
  expectNoKey([...pageMessages, ...portMessages, await page.content(), JSON.stringify(probe), JSON.stringify(await admin.call("keys.list")), JSON.stringify(await admin.call("config.get"))]);
});

test("a denied site gets a typed error, now and on its next request, and nothing reaches a provider", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, fakes, { a: KEY_A, b: KEY_B });
  const page = await context.newPage();
  await page.goto(site.url);

  const streamed = streamInPage(page);
  await answerConsent(context, "Deny");
  expect(await streamed).toMatchObject({ ok: false, name: "ModelMeshError", code: "consent_denied" });
  // Remembered: no second window, the same typed error.
  expect(await streamInPage(page)).toMatchObject({ ok: false, code: "consent_denied" });
  expect(context.pages().filter((open) => open.url().includes("/src/consent/") && !open.isClosed())).toHaveLength(0);
  expect(fakes.a.requests).toHaveLength(0);
  expect(fakes.b.requests).toHaveLength(0);
  const activity = await admin.call<Array<{ outcome: string }>>("activity.list", { origin: site.url });
  expect(activity.map((entry) => entry.outcome)).toEqual(["denied", "denied"]);
  expectNoKey(await page.evaluate(() => (window as any).__recorded as string[]));
});

test("a forged request posted from an iframe of another origin is ignored", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, fakes, { a: KEY_A, b: KEY_B });
  // The site is allowed already, so a forged request that got through would reach the provider without any window.
  const page = await context.newPage();
  await page.goto(site.url);
  const allowed = streamInPage(page);
  await answerConsent(context, "Always allow");
  expect(await allowed).toMatchObject({ ok: true });
  fakes.a.reset();
  await page.evaluate(() => (window as any).__recorded.splice(0));

  await page.evaluate((frameUrl) => {
    const frame = document.createElement("iframe");
    frame.src = frameUrl;
    document.body.append(frame);
  }, `${otherSite.url}/frame`);
  await expect.poll(async () => page.frames().find((item) => item.url().startsWith(otherSite.url))?.title()).toBe("sent");
  await page.waitForTimeout(1_000);

  expect(fakes.a.requests).toHaveLength(0);
  expect(fakes.b.requests).toHaveLength(0);
  const received = await page.evaluate(() => (window as any).__recorded as string[]);
  // The page saw the forged messages themselves (they were posted to it) and nothing the extension said about them.
  expect(received.filter((message) => message.includes('"source":"modelmesh-extension"'))).toEqual([]);
  expect(received.some((message) => message.includes("forged-1"))).toBe(true);
  expect(await admin.call<unknown[]>("activity.list", { origin: otherSite.url })).toEqual([]);
});
