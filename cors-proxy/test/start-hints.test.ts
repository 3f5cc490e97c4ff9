/**
 * `npm start` with a real key: what it prints must work when copied. Started here with OPENAI_API_KEY and
 * OPENAI_BASE_URL pointing at a fake OpenAI, then the printed curl command is replayed.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { start, chatPoolOf, foundKeys } from "../src/start.js";
import { startFakeOpenAI, type FakeOpenAI } from "../../sdk/test/fakes/openai.js";

const KEY = "sk-start-hints-5555555555";
let fake: FakeOpenAI;
const saved = { ...process.env };

beforeEach(async () => {
  fake = await startFakeOpenAI({ name: "start" });
  for (const name of Object.keys(process.env)) if (/_API_KEY$|_BASE_URL$|^MODELMESH_/.test(name)) delete process.env[name];
  // Discovery reads the process environment; start() gets the same variables.
  Object.assign(process.env, { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url, MODELMESH_SKIP_DEMO: "1" });
});
afterEach(async () => {
  await fake.close();
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("npm start with a provider key", () => {
  it("names the keys it found and the pools that exist, and its curl example works", async () => {
    const lines: string[] = [];
    const running = await start(["--port", "0"], { ...process.env }, (line) => lines.push(line));
    try {
      expect(lines.join("\n")).not.toContain(KEY);
      expect(lines).toContain("  keys found in the environment: OPENAI_API_KEY");
      const pools = lines.find((line) => line.startsWith("  pools: "))!;
      expect(pools).toMatch(/chat-completion \(\d+\/\d+ models active\)/);
      const curl = lines.find((line) => line.trimStart().startsWith("curl "))!;
      const [, url, body] = /curl (\S+) .* -d '(.*)'$/.exec(curl.trim())!;
      expect(JSON.parse(body!).model).toBe("chat-completion");
      const response = await fetch(url!, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(response.status).toBe(200);
      const completion = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      expect(completion.choices[0]!.message.content).toContain("Hello");
      expect(fake.requests.filter((request) => request.path === "/v1/chat/completions")[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    } finally {
      await running?.stop();
    }
  });

  it("chooses a configured chat pool first, and lists only key names", () => {
    const pool = (capability: string, configured: boolean, total = 1) => ({ capability, configured, total });
    expect(chatPoolOf({ pools: { "chat-completion": pool("generation.text-generation.chat-completion", false), fast: pool("generation.text-generation.chat-completion", true) } })).toBe("fast");
    expect(chatPoolOf({ pools: { "text-embeddings": pool("representation.embeddings.text-embeddings", false) } })).toBeUndefined();
    expect(foundKeys({ OPENAI_API_KEY: "sk-x", GROQ_API_KEY: "", HOME: "/root" })).toEqual(["OPENAI_API_KEY"]);
  });
});
