import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Page } from "@playwright/test";
import type { LocalServer } from "../sdk/test/fakes/http.js";
import { startFakeOpenAI, type FakeOpenAI } from "../sdk/test/fakes/openai.js";
import { answerConsent, bundlePageClient, startSite, streamInPage } from "./extension-support.js";
import { SCREENSHOTS, expect, test } from "./fixtures.js";

// A person opens the options page, imports a configuration that prices the OpenAI-compatible server's model, enters
// a key for that server (the fake, on 127.0.0.1) and tests it: the probe must reach the fake with that key, and the
// page must say it works without ever showing the key. Then a site asks, is allowed and spends; the options page
// lists it with its spend, charts the day's spend, and revokes it.
const TYPED_KEY = "e2e-typed-key-5c1d0b7e";
const MODEL = "gpt-4o-mini";
const SITE_PROMPT = "What is the capital of Peru?";
// A made-up price (USD per million tokens), high so one short answer shows as cents; the output cap keeps the
// worst case the budget reserves ($0.80) under the site's $2 a day.
const PRICED = `providers:
  openai-compatible:
    connector: openai-compatible
    config:
      models:
        - id: ${MODEL}
          max_output_tokens: 100
          pricing: { input: 2000, output: 8000 }
`;

let fake: FakeOpenAI;
let site: LocalServer;
test.beforeAll(async () => {
  fake = await startFakeOpenAI({ name: "fake-compatible", apiKeys: [TYPED_KEY], models: [MODEL] });
  site = await startSite(await bundlePageClient());
});
test.afterAll(async () => {
  await Promise.all([fake.close(), site.close()]);
});

/** Scrolls a section to the top (below the sticky header) and takes the 1280x800 viewport. */
async function screenshotSection(page: Page, testId: string, file: string) {
  await page.getByTestId(testId).evaluate((section) => section.scrollIntoView({ block: "start" }));
  await page.screenshot({ path: resolve(SCREENSHOTS, file) });
}

test("a person enters a key in options and tests it; an allowed site's spend shows and it can be revoked", async ({ extension }) => {
  test.setTimeout(20_000);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const page = await extension.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`chrome-extension://${extension.extensionId}/src/options/index.html`);

  await page.getByLabel("Configuration (YAML)").fill(PRICED);
  await page.getByTestId("yaml-import").click();
  await expect(page.getByTestId("yaml-section")).toContainText("Imported");

  const row = page.getByTestId("key-row-openai-compatible");
  await expect(row.getByTestId("key-state")).toHaveText("No key");
  // The imported configuration names the server's model already.
  await expect(row.getByLabel("Models")).toHaveValue(MODEL);
  await row.getByLabel("Base URL").fill(fake.url);
  await row.getByLabel("API key").fill(TYPED_KEY);
  await row.getByTestId("key-save").click();
  await expect(row.getByTestId("key-state")).toHaveText("Key saved");
  await expect(row.getByLabel("API key")).toHaveValue("");

  fake.reset();
  await row.getByTestId("key-test").click();
  const result = row.getByTestId("key-test-result");
  await expect(result).toHaveAttribute("data-ok", "true");
  await expect(result).toContainText(/Works: \d+ ms/);

  const probes = fake.requests.filter((request) => request.method === "POST" && request.path === "/v1/chat/completions");
  expect(probes).toHaveLength(1);
  expect(probes[0]?.headers.authorization).toBe(`Bearer ${TYPED_KEY}`);
  // The page holds KeyInfo only: the key is in no element, attribute or field value after saving.
  expect(await page.content()).not.toContain(TYPED_KEY);
  const values = await page.locator("input, textarea").evaluateAll((fields) => fields.map((field) => (field as HTMLInputElement).value));
  expect(values.join("\n")).not.toContain(TYPED_KEY);
  await screenshotSection(page, "keys-section", "options-keys.png");

  // A site asks; the person allows it always; it streams an answer and pays for it under its own budget.
  const visitor = await extension.context.newPage();
  await visitor.goto(site.url);
  const [answer] = await Promise.all([streamInPage(visitor, { model: "chat-completion", content: SITE_PROMPT, budget: { dailyLimit: 2 } }), answerConsent(extension.context, "Always allow")]);
  expect(answer, JSON.stringify(answer)).toMatchObject({ ok: true });
  const origin = new URL(site.url).origin;

  await page.bringToFront();
  await page.reload();
  const siteRow = page.locator(`[data-testid="site-row"][data-origin="${origin}"]`);
  await expect(siteRow).toContainText("Allowed");
  await expect(siteRow).not.toContainText("$0.00");
  const today = page.getByTestId("spend-bar").last();
  expect(Number(await today.getAttribute("data-cost"))).toBeGreaterThan(0);
  await expect(page.getByTestId("spend-by-site")).toContainText(origin);
  // The activity log says what the site asked, which model served it and what it cost, but not what was said.
  const logged = page.getByTestId("activity-row").filter({ hasText: origin });
  await expect(logged).toHaveCount(1);
  await expect(logged).toContainText("chat.completions.create");
  await expect(logged).toContainText(MODEL);
  await expect(page.getByTestId("activity-table")).not.toContainText(SITE_PROMPT);
  await screenshotSection(page, "sites-section", "options-sites.png");
  await screenshotSection(page, "spend-section", "options-spend.png");

  await siteRow.getByTestId("site-revoke").click();
  await expect(siteRow).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("sites-empty")).toBeVisible();
});
