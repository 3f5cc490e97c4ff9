import { test, expect } from "./fixtures.js";
import { adminOf, answerConsent, configure, pageWorld, streamInPage } from "./extension-support.js";

// Routing inside the extension, seen from a page: each site's budget is its own, and a provider that breaks mid-stream
// is replaced by the next one without the page noticing.

const world = pageWorld();

test("a site over its budget is refused while another site still works", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  // $1000 per million tokens: each request costs a few cents, so a $0.05 daily budget runs out in a few requests.
  await configure(admin.call, world.fakes, world.keys, { input: 1000, output: 1000 });
  const limited = await context.newPage();
  await limited.goto(world.site.url);
  const first = limited.evaluate(async () => {
    const client = await (window as any).ModelMesh.connectExtension({ budget: { dailyLimit: 0.05 } });
    const outcomes: Array<{ ok: boolean; name?: string; code?: string; scope?: string }> = [];
    for (let index = 0; index < 8; index += 1) {
      try {
        await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi" }], max_tokens: 5 });
        outcomes.push({ ok: true });
      } catch (error: any) {
        outcomes.push({ ok: false, name: error.name, code: error.code, scope: error.scope });
        break;
      }
    }
    return outcomes;
  });
  await answerConsent(context, "Always allow");
  const outcomes = await first;
  const served = outcomes.filter((outcome) => outcome.ok).length;
  expect(served).toBeGreaterThan(0);
  expect(outcomes.at(-1)).toMatchObject({ ok: false, name: "BudgetExceededError", scope: `scope:site:${world.site.url}` });
  expect(world.fakes.a.requests).toHaveLength(served);

  const other = await context.newPage();
  await other.goto(world.otherSite.url);
  const streamed = streamInPage(other);
  await answerConsent(context, "Always allow");
  expect(await streamed).toMatchObject({ ok: true, text: "Hello from alpha: Hello there" });
  expect(world.fakes.a.requests).toHaveLength(served + 1);

  const usage = await admin.call<{ bySite: Record<string, { cost: number; requests: number }>; budgets: Record<string, { spent: number }> }>("usage.get");
  expect(usage.bySite[world.site.url]!.cost).toBeLessThanOrEqual(0.05);
  expect(usage.budgets[`scope:site:${world.site.url}`]!.spent).toBeCloseTo(usage.bySite[world.site.url]!.cost, 9);
  expect(usage.bySite[world.otherSite.url]!.requests).toBe(1);
});

test("failover inside the extension: the first provider breaks mid-stream, the page still gets a whole answer", async ({ extension }) => {
  const { context, extensionId } = extension;
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, world.fakes, world.keys);
  world.fakes.a.setMode({ kind: "break-stream", afterChunks: 2 });
  const page = await context.newPage();
  await page.goto(world.site.url);
  const streamed = streamInPage(page);
  await answerConsent(context, "Always allow");
  const result = await streamed;
  expect(result).toMatchObject({ ok: true, text: "Hello from beta: Hello there" });
  expect(world.fakes.a.requests).toHaveLength(1);
  expect(world.fakes.b.requests).toHaveLength(1);
  expect(world.fakes.b.requests[0]!.headers.authorization).toBe(`Bearer ${world.keys.b}`);
  const activity = await admin.call<Array<{ provider?: string; outcome: string }>>("activity.list", { origin: world.site.url });
  expect(activity[0]).toMatchObject({ provider: "fake-b", outcome: "ok" });
});
