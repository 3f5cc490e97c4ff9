/**
 * The example web app (examples/web-app, production build) in Chromium: a person types a key and a message, the
 * page streams the answer through the CORS proxy's relay from a slow fake provider, and shows pool status and spend.
 * Everything runs here: a fake OpenAI-compatible service on 127.0.0.1, the relay (allowed to reach exactly that
 * fake's host and port, CORS for exactly the page's origin), and the page's own server.
 */
import { mkdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { chromium, expect, test, type Browser } from "@playwright/test";
import { CHROMIUM, CHROMIUM_FLAGS, SCREENSHOTS } from "./fixtures.js";
import { estimateTokens, startFakeOpenAI, type FakeOpenAI } from "../sdk/test/fakes/openai.js";
import { startFakeAnthropic } from "../sdk/test/fakes/anthropic.js";
import { serve, type RunningProxy } from "../cors-proxy/src/cli.js";
import { mergeSettings } from "../cors-proxy/src/config.js";
import { serveWebApp, type WebAppServer } from "../scripts/serve-web-app.js";

const MODEL = "web-chat";
const PROMPT = "Say hello to the relay";
const REPLY = "Routing through the relay, one token at a time, so the page can show each word as soon as it arrives from the provider.";
const CHUNK_DELAY_MS = 150;
const PRICE_INPUT = 2;
const PRICE_OUTPUT = 8;
// Not key-shaped on purpose (the house scan flags sk-… literals); random so no other text can contain it by chance.
const TYPED_KEY = `typed-web-app-key-${randomBytes(8).toString("hex")}`;

let fake: FakeOpenAI;
let proxy: RunningProxy;
let webApp: WebAppServer;
let browser: Browser;

test.beforeAll(async () => {
  fake = await startFakeOpenAI({ name: "web-app", models: [MODEL], reply: REPLY });
  webApp = await serveWebApp({ port: 0 });
  proxy = await serve(
    mergeSettings({ port: 0, cors: { enabled: true, allowedOrigins: [webApp.origin] }, relay: { allowPrivate: [new URL(fake.url).host] } }),
    undefined,
  );
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
});

test.afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
  await webApp?.close();
  await fake?.close();
});

test("the web app streams a chat answer through the relay and shows pool status and spend", async () => {
  expect(webApp.mode, "e2e runs the production build: run npm run build first").toBe("built");
  fake.setMode({ kind: "slow-stream", chunkDelayMs: CHUNK_DELAY_MS });
  const page = await browser.newPage();
  const consoleLines: string[] = [];
  const requested: string[] = [];
  page.on("console", (message) => consoleLines.push(message.text()));
  page.on("pageerror", (error) => consoleLines.push(error.message));
  page.on("request", (request) => requested.push(request.url()));

  const query = new URLSearchParams({ baseUrl: fake.url, proxyUrl: `${proxy.server.url}/proxy/`, model: MODEL, priceInput: String(PRICE_INPUT), priceOutput: String(PRICE_OUTPUT) });
  await page.goto(`${webApp.url}?${query}`);
  await expect(page.locator("#answer-state")).toHaveText("idle");
  // The mesh (router, pools) is a lazy chunk: not fetched before the first request.
  expect(requested.filter((url) => /\/assets\/lazy-mesh-[^/]+\.js$/.test(url))).toEqual([]);

  await page.getByLabel("API key").fill(TYPED_KEY);
  await page.getByLabel("Message").fill(PROMPT);
  // Every length the answer takes in the DOM, in order, as the page writes it.
  await page.evaluate(() => {
    const answer = document.querySelector("#answer")!;
    const lengths: number[] = [];
    (window as unknown as { answerLengths: number[] }).answerLengths = lengths;
    new MutationObserver(() => lengths.push(answer.textContent?.length ?? 0)).observe(answer, { childList: true, characterData: true, subtree: true });
  });
  await page.getByRole("button", { name: "Send" }).click();

  const answer = page.locator("#answer");
  await expect(answer).not.toHaveText("", { timeout: 20_000 });
  const firstSeenAt = Date.now();
  const firstText = (await answer.textContent()) ?? "";
  await expect(page.locator("#answer-state")).toHaveText("done", { timeout: 30_000 });
  const finalText = (await answer.textContent()) ?? "";

  // What the fake received: one request, on its chat path, for the typed model, with the typed key.
  const received = fake.requests.filter((request) => request.path === "/v1/chat/completions");
  expect(received).toHaveLength(1);
  expect(fake.requests).toHaveLength(1);
  const request = received[0]!;
  expect(request.method).toBe("POST");
  expect(request.headers.authorization).toBe(`Bearer ${TYPED_KEY}`);
  expect(request.body.model).toBe(MODEL);
  expect(request.body.stream).toBe(true);
  expect(request.body.messages).toEqual([{ role: "user", content: PROMPT }]);

  // Incremental: the first text seen was a strict beginning of the answer, seen before the fake could have sent its
  // last word (the fake waits CHUNK_DELAY_MS before each word after the first frame), and the DOM grew in steps.
  expect(finalText).toBe(REPLY);
  expect(firstText.length).toBeGreaterThan(0);
  expect(firstText.length).toBeLessThan(finalText.length);
  expect(finalText.startsWith(firstText)).toBe(true);
  const words = REPLY.split(" ").length;
  expect(firstSeenAt).toBeLessThan(request.at + (words - 1) * CHUNK_DELAY_MS);
  const lengths = await page.evaluate(() => (window as unknown as { answerLengths: number[] }).answerLengths);
  const steps = new Set(lengths.filter((length) => length > 0));
  expect(steps.size).toBeGreaterThanOrEqual(5);
  expect(lengths.filter((length) => length > 0)).toEqual([...lengths.filter((length) => length > 0)].sort((left, right) => left - right));

  // Pool status from client.poolStatus()/describe(): the capability's pool holds the typed model, active.
  const pool = page.locator('#pools tr[data-pool="chat-completion"] td');
  await expect(pool.nth(1)).toHaveText("1");
  await expect(pool.nth(3)).toHaveText("1");
  await expect(pool.nth(4)).toContainText(`${MODEL} (active)`);

  // Spend from client.usage: the fake's usage (ceil(characters / 4) tokens) at the prices typed in the form.
  const promptTokens = estimateTokens(PROMPT);
  const completionTokens = estimateTokens(REPLY);
  const cost = (promptTokens * PRICE_INPUT + completionTokens * PRICE_OUTPUT) / 1_000_000;
  await expect(page.locator('[data-spend="requests"]')).toHaveText("1");
  await expect(page.locator('[data-spend="tokens"]')).toHaveText(String(promptTokens + completionTokens));
  await expect(page.locator('[data-spend="total"]')).toHaveText(`$${cost.toFixed(6)}`);
  await expect(page.locator(`[data-spend="model:browser/${MODEL}"]`)).toHaveText(`$${cost.toFixed(6)} · ${promptTokens + completionTokens} tokens · 1 request`);

  // The mesh chunk loaded for the request; the YAML parser (configuration is an object here) never did.
  expect(requested.filter((url) => /\/assets\/lazy-mesh-[^/]+\.js$/.test(url))).toHaveLength(1);
  expect(requested.filter((url) => url.includes("/node_modules/yaml/") || /\/assets\/browser-[^/]+\.js$/.test(url))).toEqual([]);
  // The key went to the relay only, in the Authorization header: never in a URL, the page's text or its console.
  expect(requested.filter((url) => url.includes(TYPED_KEY))).toEqual([]);
  expect(await page.locator("body").innerText()).not.toContain(TYPED_KEY);
  expect(consoleLines.filter((line) => line.includes(TYPED_KEY))).toEqual([]);

  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/web-app.png`, fullPage: true });
  await page.close();
});

test("Stop aborts the stream: the relay hangs up on the provider and the page says stopped", async () => {
  fake.reset();
  fake.setMode({ kind: "slow-stream", chunkDelayMs: 400 });
  const page = await browser.newPage();
  const query = new URLSearchParams({ baseUrl: fake.url, proxyUrl: `${proxy.server.url}/proxy/`, model: MODEL });
  await page.goto(`${webApp.url}?${query}`);
  await page.getByLabel("API key").fill(TYPED_KEY);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.locator("#answer")).not.toHaveText("", { timeout: 20_000 });
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.locator("#answer-state")).toHaveText("stopped");
  const partial = (await page.locator("#answer").textContent()) ?? "";
  expect(partial.length).toBeLessThan(REPLY.length);
  // The abort travels page -> relay -> provider: the fake sees its client leave before the answer is complete.
  await expect.poll(() => fake.requests.find((request) => request.path === "/v1/chat/completions")?.clientAborted, { timeout: 10_000 }).toBe(true);
  await expect(page.locator("#error")).toBeHidden();
  await page.close();
});

test("with Anthropic, the page calls the provider directly (no relay), sending Anthropic's direct browser access header", async () => {
  const anthropic = await startFakeAnthropic({ apiKeys: [TYPED_KEY] });
  try {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    const model = "claude-sonnet-4-5";
    const query = new URLSearchParams({ format: "anthropic", baseUrl: anthropic.url, proxyUrl: "", model });
    await page.goto(`${webApp.url}?${query}`);
    await page.getByLabel("API key").fill(TYPED_KEY);
    await page.getByLabel("Message").fill(PROMPT);
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.locator("#answer-state")).toHaveText("done", { timeout: 30_000 });
    await expect(page.locator("#answer")).toHaveText(`Hello from ${model}: ${PROMPT}`);
    // Straight to the provider: the relay saw nothing, the page's requests went to the fake's own address.
    const received = anthropic.requests.filter((request) => request.path === "/v1/messages");
    expect(received).toHaveLength(1);
    expect(received[0]!.headers).toMatchObject({ "x-api-key": TYPED_KEY, "anthropic-dangerous-direct-browser-access": "true", origin: webApp.origin });
    expect(received[0]!.body).toMatchObject({ model, stream: true, messages: [{ role: "user", content: [{ type: "text", text: PROMPT }] }] });
    expect(requested.filter((url) => url.startsWith(proxy.server.url))).toEqual([]);
    expect(requested.some((url) => url.startsWith(`${new URL(anthropic.url).origin}/v1/messages`))).toBe(true);
    await page.close();
  } finally {
    await anthropic.close();
  }
});
