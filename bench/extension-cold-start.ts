/**
 * The extension's cold start to first chunk, in the page's own clock: Chrome's service worker is stopped (DevTools
 * protocol, as Chrome does to an idle worker), then a page asks for a streamed completion through `modelmesh/extension`;
 * the time runs from the page's call to the first chunk. Warm requests (the worker already running) alternate with
 * the cold ones. Real Chromium with the built extension (`npm run build` first), a fake provider on 127.0.0.1.
 * Prints one JSON line: `{ "coldMedianMs", "warmMedianMs", "cold": [...], "warm": [...] }`.
 * Run alone: `npx tsx --conditions=modelmesh-source bench/extension-cold-start.ts [rounds]`.
 */
import { launchWithExtension, stopServiceWorkers } from "../e2e/fixtures.js";
import { adminOf, answerConsent, bundlePageClient, configure, startSite, streamInPage } from "../e2e/extension-support.js";
import { startFakeOpenAI } from "../sdk/test/fakes/openai.js";

const rounds = Number(process.argv[2] ?? 9);
const keys = { a: `bench-alpha-${Math.random().toString(36).slice(2)}`, b: `bench-beta-${Math.random().toString(36).slice(2)}` };
const fakes = { a: await startFakeOpenAI({ name: "a", models: ["alpha"], apiKeys: [keys.a] }), b: await startFakeOpenAI({ name: "b", models: ["beta"], apiKeys: [keys.b] }) };
const site = await startSite(await bundlePageClient());
const { context, extensionId } = await launchWithExtension();
const median = (values: number[]) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;
try {
  const admin = await adminOf(context, extensionId);
  await configure(admin.call, fakes, keys);
  const page = await context.newPage();
  await page.goto(site.url);
  const first = streamInPage(page);
  await answerConsent(context, "Always allow");
  if (!(await first).ok) throw new Error("the first request failed");
  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    await stopServiceWorkers(context);
    const coldRun = await streamInPage(page);
    const warmRun = await streamInPage(page);
    if (!coldRun.ok || !warmRun.ok) throw new Error(`a request failed: ${JSON.stringify([coldRun, warmRun])}`);
    cold.push(Math.round(coldRun.firstChunkMs));
    warm.push(Math.round(warmRun.firstChunkMs));
  }
  console.log(JSON.stringify({ coldMedianMs: median(cold), warmMedianMs: median(warm), cold, warm }));
} finally {
  await context.close();
  await Promise.all([fakes.a.close(), fakes.b.close(), site.close()]);
}
