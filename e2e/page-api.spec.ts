import { resolve } from "node:path";
import { test, expect, SCREENSHOTS } from "./fixtures.js";
import { adminOf, answerConsent, configure, pageWorld, recordContentScript, streamInPage } from "./extension-support.js";

// A web page uses the extension through `modelmesh/extension`: consent, streaming, denial, forged messages, and no key
// in anything a page or the content script receives. Budgets and failover: page-routing.spec.ts.

const world = pageWorld();

/** Every key-shaped value this run uses, scanned for in what pages and the content script received. */
function expectNoKey(texts: string[]) {
  const joined = texts.join("\n");
  expect(joined).not.toContain(world.keys.a);
  expect(joined).not.toContain(world.keys.b);
}

test("a page asks, the person allows in the consent window, the page streams a completion; no key reaches the page or the content script", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, world.fakes, world.keys);
  const page = await context.newPage();
  await page.goto(world.site.url);
  const recorder = await recordContentScript(context, page);

  const streamed = streamInPage(page, { budget: { dailyLimit: 0.5 } });
  const consent = await answerConsent(context, "Always allow", resolve(SCREENSHOTS, "consent.png"));
  const result = await streamed;

  expect(result).toMatchObject({ ok: true, text: "Hello from alpha: Hello there" });
  expect(result.ok && result.chunks).toBeGreaterThan(2);
  // The consent window showed the site's own origin and the budget it asked for.
  expect(consent.isClosed() || (await consent.getByTestId("origin").count()) === 0).toBe(true);
  // The provider got the person's key from the worker, and the request the page made.
  expect(world.fakes.a.requests).toHaveLength(1);
  expect(world.fakes.a.requests[0]!.headers.authorization).toBe(`Bearer ${world.keys.a}`);
  expect(world.fakes.a.requests[0]!.body.messages).toEqual([{ role: "user", content: "Hello there" }]);
  const sites = await admin.call<Array<{ origin: string; grant: string; budget: { dailyLimit?: number } }>>("sites.list");
  expect(sites).toEqual([expect.objectContaining({ origin: world.site.url, grant: "always", budget: { dailyLimit: 0.5 } })]);
  const activity = await admin.call<Array<{ origin: string; outcome: string; model?: string; provider?: string; cost: number; prompt?: string }>>("activity.list", { origin: world.site.url });
  expect(activity).toHaveLength(1);
  expect(activity[0]).toMatchObject({ origin: world.site.url, outcome: "ok", provider: "fake-a", model: "alpha" });
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
  expect(world.fakes.b.requests.at(-1)!.headers.authorization).toBe(`Bearer ${world.keys.b}`);
  expectNoKey([...pageMessages, ...portMessages, await page.content(), JSON.stringify(probe), JSON.stringify(await admin.call("keys.list")), JSON.stringify(await admin.call("config.get"))]);
});

test("a denied site gets a typed error, now and on its next request, and nothing reaches a provider", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, world.fakes, world.keys);
  const page = await context.newPage();
  await page.goto(world.site.url);

  const streamed = streamInPage(page);
  await answerConsent(context, "Deny");
  expect(await streamed).toMatchObject({ ok: false, name: "ModelMeshError", code: "consent_denied" });
  // Remembered: no second window, the same typed error.
  expect(await streamInPage(page)).toMatchObject({ ok: false, code: "consent_denied" });
  expect(context.pages().filter((open) => open.url().includes("/src/consent/") && !open.isClosed())).toHaveLength(0);
  expect(world.fakes.a.requests).toHaveLength(0);
  expect(world.fakes.b.requests).toHaveLength(0);
  // Both refusals, as one row counting the second (a site retrying a denied request cannot flood the log).
  const activity = await admin.call<Array<{ outcome: string; repeats?: number }>>("activity.list", { origin: world.site.url });
  expect(activity.map((entry) => [entry.outcome, entry.repeats ?? 0])).toEqual([["denied", 1]]);
  expectNoKey(await page.evaluate(() => (window as any).__recorded as string[]));
});

test("a forged request posted from an iframe of another origin is ignored", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, world.fakes, world.keys);
  // The site is allowed already, so a forged request that got through would reach the provider without any window.
  const page = await context.newPage();
  await page.goto(world.site.url);
  const allowed = streamInPage(page);
  await answerConsent(context, "Always allow");
  expect(await allowed).toMatchObject({ ok: true });
  world.fakes.a.reset();
  await page.evaluate(() => (window as any).__recorded.splice(0));

  await page.evaluate((frameUrl) => {
    const frame = document.createElement("iframe");
    frame.src = frameUrl;
    document.body.append(frame);
  }, `${world.otherSite.url}/frame`);
  await expect.poll(async () => page.frames().find((item) => item.url().startsWith(world.otherSite.url))?.title()).toBe("sent");
  await page.waitForTimeout(1_000);

  expect(world.fakes.a.requests).toHaveLength(0);
  expect(world.fakes.b.requests).toHaveLength(0);
  const received = await page.evaluate(() => (window as any).__recorded as string[]);
  // The page saw the forged messages themselves (they were posted to it) and nothing the extension said about them.
  expect(received.filter((message) => message.includes('"source":"modelmesh-extension"'))).toEqual([]);
  expect(received.some((message) => message.includes("forged-1"))).toBe(true);
  expect(await admin.call<unknown[]>("activity.list", { origin: world.otherSite.url })).toEqual([]);
});
