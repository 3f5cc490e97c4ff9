import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../sdk/test/fakes/openai.js";
import { SCREENSHOTS, expect, test } from "./fixtures.js";

// A person opens the options page, enters a key for an OpenAI-compatible server (the fake, on 127.0.0.1) and tests
// it: the probe must reach the fake with that key, and the page must say it works without ever showing the key.
const TYPED_KEY = "e2e-typed-key-5c1d0b7e";

let fake: FakeOpenAI;
test.beforeAll(async () => {
  fake = await startFakeOpenAI({ name: "fake-compatible", apiKeys: [TYPED_KEY] });
});
test.afterAll(async () => {
  await fake.close();
});

test("a person enters a key in options, tests it, and the provider saw the probe with that key", async ({ extension }) => {
  test.setTimeout(20_000);
  const page = await extension.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`chrome-extension://${extension.extensionId}/src/options/index.html`);

  const row = page.getByTestId("key-row-openai-compatible");
  await expect(row.getByTestId("key-state")).toHaveText("No key");
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
  expect(probes.length).toBeGreaterThanOrEqual(1);
  expect(probes[0]?.headers.authorization).toBe(`Bearer ${TYPED_KEY}`);
  // The page holds KeyInfo only: the key is in no element, attribute or field value after saving.
  expect(await page.content()).not.toContain(TYPED_KEY);
  const values = await page.locator("input, textarea").evaluateAll((fields) => fields.map((field) => (field as HTMLInputElement).value));
  expect(values.join("\n")).not.toContain(TYPED_KEY);

  // README's screenshot of the keys section.
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.getByTestId("keys-section").screenshot({ path: resolve(SCREENSHOTS, "options-keys.png") });
});
