import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeOpenAI } from "../../sdk/test/fakes/openai.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chatPoolOf, foundKeys, nextSteps, offlineWebAppUrl, start } from "../src/start.js";

// `npm start` in this process: the offline fakes when asked (or when no key is found), the lines it prints and that
// they work, the port-in-use message; and the small helpers behind the printed hints.

// The hint names the built extension when a build exists (a developer's checkout), otherwise says it is not built.
const repository = fileURLToPath(new URL("../../", import.meta.url));
const EXTENSION_LINE = existsSync(`${repository}extension/dist/manifest.json`)
  ? `Browser extension: ${repository}extension/dist/ (load it as an unpacked extension)`
  : "Browser extension: not built yet";

const saved = { ...process.env };
beforeEach(() => {
  for (const name of Object.keys(process.env)) if (/_API_KEY$|_BASE_URL$|^MODELMESH_/.test(name)) delete process.env[name];
});
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

const quiet = { MODELMESH_SKIP_DEMO: "1", MODELMESH_NO_WEB_APP: "1" };

describe("start offline", () => {
  it("with MODELMESH_OFFLINE=1 serves the local fakes, says so first, and lets the relay reach exactly them", async () => {
    const lines: string[] = [];
    const running = await start(["--port", "0"], { ...quiet, MODELMESH_OFFLINE: "1", OPENAI_API_KEY: "sk-not-used-0000" }, (line) => lines.push(line));
    try {
      expect(lines[0]).toBe(
        "ModelMesh is running on LOCAL FAKE providers, offline: MODELMESH_OFFLINE=1 is set. Nothing leaves 127.0.0.1 and no key is needed.",
      );
      const fakes = /^ {2}fake providers: (.+)$/.exec(lines[1]!)![1]!.split("  ");
      expect(fakes.length).toBeGreaterThan(1);
      const fakeHosts = fakes.map((url) => new URL(url).host);
      expect(running!.settings.relay.allowPrivate).toEqual(fakeHosts);
      const url = running!.server.url;
      expect(lines).toContain(`modelmesh-proxy listening on ${url}`);
      expect(lines).toContain("Demo web app: not started (MODELMESH_NO_WEB_APP=1)");
      expect(lines).toContain(EXTENSION_LINE);
      const curl = lines.find((line) => line.startsWith("  curl "))!;
      const [, target, body] = /curl (\S+) .* -d '(.*)'$/.exec(curl)!;
      expect(target).toBe(`${url}/v1/chat/completions`);
      const response = await fetch(target!, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(response.status).toBe(200);
      // The relay reaches a fake on 127.0.0.1 because start() named it; other private addresses stay refused.
      const relayed = await fetch(`${url}/proxy/${fakes[0]}/models`, { headers: { authorization: "Bearer any-key-works-with-the-fakes" } });
      expect(relayed.status).toBe(200);
      expect((await fetch(`${url}/proxy/http://127.0.0.1:1/v1/models`)).status).toBe(403);
    } finally {
      await running?.stop();
    }
    // stop() also closed the fakes.
    await expect(fetch(`${/^ {2}fake providers: (\S+)/.exec(lines[1]!)![1]}/models`)).rejects.toThrow();
  });

  it("without any key falls back to the fakes and says why", async () => {
    const lines: string[] = [];
    const running = await start(["--port", "0"], { ...quiet }, (line) => lines.push(line));
    try {
      expect(lines[0]).toBe(
        "ModelMesh is running on LOCAL FAKE providers, offline: no provider key was found in the environment (set OPENAI_API_KEY, GROQ_API_KEY, ... for real providers). Nothing leaves 127.0.0.1 and no key is needed.",
      );
      expect(running!.client!.state).toBe("ready");
    } finally {
      await running?.stop();
    }
  });

  it("with a mesh that serves no chat, prints a models call instead of a chat call naming a pool that does not exist", async () => {
    const fake = await startFakeOpenAI({ models: ["embed-only"] });
    const file = join(mkdtempSync(join(tmpdir(), "modelmesh-start-")), "modelmesh.yaml");
    writeFileSync(
      file,
      `providers:\n  a:\n    connector: openai-compatible\n    config:\n      base_url: ${fake.url}\n      api_key: sk-test-start-embed-000000\n      models:\n        - id: embed-only\n          capabilities: [representation.embeddings.text-embeddings]\n`,
    );
    const lines: string[] = [];
    const running = await start(["--config", file, "--port", "0"], { ...quiet }, (line) => lines.push(line));
    try {
      const url = running!.server.url;
      expect(lines[0]).toBe(`ModelMesh proxy with providers from ${file}: a`);
      expect(lines).toContain(`  curl ${url}/v1/models   (no chat model was found; this lists what the mesh serves)`);
      expect(lines.some((line) => line.includes("/v1/chat/completions"))).toBe(false);
      expect((await fetch(`${url}/v1/models`)).status).toBe(200);
    } finally {
      await running?.stop();
      await fake.close();
    }
  });

  it("prints the usage for --help and starts nothing", async () => {
    const lines: string[] = [];
    expect(await start(["--help"], quiet, (line) => lines.push(line))).toBeUndefined();
    expect(lines[0]).toMatch(/^Usage: modelmesh-proxy/);
  });

  it("says how to pick another port when its port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(start(["--port", String(port)], { ...quiet, MODELMESH_OFFLINE: "1" }, () => {})).rejects.toThrow(
        `port ${port} is in use: pass --port (npm start -- --port 9000) or set MODELMESH_PROXY_PORT`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe("the printed hints", () => {
  it("fills the web app's form for the fakes, never with a key", () => {
    const url = new URL(offlineWebAppUrl("http://127.0.0.1:5173/?old=1", "http://127.0.0.1:8787", "http://127.0.0.1:40001/v1"));
    expect(url.origin + url.pathname).toBe("http://127.0.0.1:5173/");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      baseUrl: "http://127.0.0.1:40001/v1",
      proxyUrl: "http://127.0.0.1:8787/proxy/",
      model: "alpha-chat",
      priceInput: "0.15",
      priceOutput: "0.6",
    });
  });

  it("prints a chat call with a token placeholder, or a models call when no chat pool exists", () => {
    expect(nextSteps("http://127.0.0.1:8787", true, "fast", "http://page")).toEqual([
      "Try it:",
      `  curl http://127.0.0.1:8787/v1/chat/completions -H "Content-Type: application/json" -H "Authorization: Bearer <your proxy token>" -d '{"model":"fast","messages":[{"role":"user","content":"Hello"}]}'`,
      "  or any OpenAI client with baseURL http://127.0.0.1:8787/v1",
      "Demo web app: http://page",
      EXTENSION_LINE,
    ]);
    expect(nextSteps("http://h", false, undefined)).toEqual([
      "Try it:",
      "  curl http://h/v1/models   (no chat model was found; this lists what the mesh serves)",
      "  or any OpenAI client with baseURL http://h/v1",
      "Demo web app: not started",
      EXTENSION_LINE,
    ]);
  });

  it("picks a configured chat pool, else the implicit one, else any text generation, skipping empty pools", () => {
    const pool = (capability: string, configured: boolean, total = 1) => ({ capability, configured, total });
    const CHAT = "generation.text-generation.chat-completion";
    expect(chatPoolOf({ pools: { implicit: pool(CHAT, false), mine: pool(CHAT, true) } })).toBe("mine");
    expect(chatPoolOf({ pools: { first: pool(CHAT, false), second: pool(CHAT, false) } })).toBe("first");
    expect(chatPoolOf({ pools: { empty: pool(CHAT, true, 0), implicit: pool(CHAT, false) } })).toBe("implicit");
    expect(chatPoolOf({ pools: { embed: pool("representation.embeddings.text-embeddings", true), text: pool("generation.text-generation.text-completion", false) } })).toBe("text");
    expect(chatPoolOf({ pools: { text: pool("generation.text-generation.text-completion", false, 0) } })).toBeUndefined();
    expect(chatPoolOf({ pools: {} })).toBeUndefined();
  });

  it("names the provider keys set, sorted, never other variables or empty ones", () => {
    expect(foundKeys({ OPENAI_API_KEY: "sk-x", ANTHROPIC_API_KEY: "sk-y", GROQ_API_KEY: "  ", MY_API_KEY_FILE: "x", HOME: "/root", EMPTY_API_KEY: undefined })).toEqual([
      "ANTHROPIC_API_KEY",
      "OPENAI_API_KEY",
    ]);
  });
});
