import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../sdk/test/fakes/openai.js";
import { SCREENSHOTS, expect, test } from "./fixtures.js";

// With a key for an OpenAI-compatible server (the fake), the popup lists the fake's model as active and a quick chat
// streams its answer in piece by piece (the fake waits between chunks, so the popup must show partial text).
const KEY = "e2e-popup-key-93be41a2";
const SERVED = ["gpt-4o-mini"];
// A made-up price (USD per million tokens) so the popup has spend to show; the output cap bounds the worst case.
const PRICED = `providers:
  openai-compatible:
    connector: openai-compatible
    config:
      models:
        - id: ${SERVED[0]}
          max_output_tokens: 100
          pricing: { input: 2000, output: 8000 }
`;

let fake: FakeOpenAI;
test.beforeAll(async () => {
  fake = await startFakeOpenAI({ name: "fake-popup", apiKeys: [KEY], models: SERVED });
});
test.afterAll(async () => {
  await fake.close();
});

test("the popup shows the active model and streams a quick chat answer", async ({ extension }) => {
  test.setTimeout(20_000);
  const base = `chrome-extension://${extension.extensionId}/src`;
  const options = await extension.context.newPage();
  await options.setViewportSize({ width: 1280, height: 800 });
  await options.goto(`${base}/options/index.html`);
  await options.getByLabel("Configuration (YAML)").fill(PRICED);
  await options.getByTestId("yaml-import").click();
  await expect(options.getByTestId("yaml-section")).toContainText("Imported");
  const row = options.getByTestId("key-row-openai-compatible");
  await row.getByLabel("Base URL").fill(fake.url);
  await expect(row.getByLabel("Models")).toHaveValue(SERVED.join(", "));
  await row.getByLabel("API key").fill(KEY);
  await row.getByTestId("key-save").click();
  await expect(row.getByTestId("key-state")).toHaveText("Key saved");

  const popup = await extension.context.newPage();
  await popup.setViewportSize({ width: 400, height: 600 });
  await popup.goto(`${base}/popup/index.html`);
  const model = popup.getByTestId("model-status").filter({ has: popup.getByText(SERVED[0]!, { exact: true }) });
  await expect(model).toHaveAttribute("data-status", "active");

  // Every text the answer bubble shows, as it changes.
  await popup.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { answerTexts: string[] }).answerTexts = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="chat-answer"]')?.textContent;
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  fake.reset();
  fake.setMode({ kind: "slow-stream", chunkDelayMs: 120 });
  await popup.getByLabel("Your message").fill("Say hi");
  await popup.getByLabel("Your message").press("Enter");
  const answer = popup.getByTestId("chat-assistant");
  await expect(answer).toHaveText(/^Hello from .*Say hi$/);
  await expect(popup.getByTestId("chat-model")).toContainText(SERVED[0]!);

  const partials = await popup.evaluate(() => (window as unknown as { answerTexts: string[] }).answerTexts.filter((text) => text !== "…"));
  const whole = (await answer.textContent()) ?? "";
  // Streamed: the bubble showed growing prefixes of the answer before the whole of it.
  expect(partials.length).toBeGreaterThanOrEqual(2);
  expect(partials.every((text) => whole.startsWith(text))).toBe(true);
  expect(partials[0]!.length).toBeLessThan(whole.length);

  const chats = fake.requests.filter((request) => request.path === "/v1/chat/completions");
  expect(chats).toHaveLength(1);
  expect(chats[0]?.body).toMatchObject({ stream: true, messages: [{ role: "user", content: "Say hi" }] });
  expect(chats[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  // The answer was priced: the popup asks for the status again and today's spend is no longer zero.
  await expect(popup.getByTestId("spend-today")).not.toContainText("Today $0.00");

  // README's screenshot of the popup.
  mkdirSync(SCREENSHOTS, { recursive: true });
  await popup.screenshot({ path: resolve(SCREENSHOTS, "popup.png") });
});
