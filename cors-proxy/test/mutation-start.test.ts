/**
 * `npm start` paths the other start tests leave out (found by mutation testing): the offline demo with its attempt
 * log, the example web app and its CORS origin, MODELMESH_OFFLINE winning over a key, what the first lines say in
 * each mode, and failures that must surface as they are.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../../sdk/test/fakes/openai.js";
import { offlineWebAppUrl, start } from "../src/start.js";

const saved = { ...process.env };
beforeEach(() => {
  for (const name of Object.keys(process.env)) if (/_API_KEY$|_BASE_URL$|^MODELMESH_/.test(name)) delete process.env[name];
});
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

const KEY = "sk-mutation-start-0000000000";
type Running = Awaited<ReturnType<typeof start>>;

function configFile(fakes: FakeOpenAI[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "modelmesh-mutation-start-")), "modelmesh.yaml");
  const providers = fakes
    .map((fake, index) => `  p${index}:\n    connector: openai-compatible\n    config:\n      base_url: ${fake.url}\n      api_key: ${KEY}\n      models:\n        - id: m${index}\n          capabilities: [generation.text-generation.chat-completion]\n`)
    .join("");
  writeFileSync(file, `providers:\n${providers}`);
  return file;
}

async function portInUse(): Promise<{ port: number; close(): Promise<void> }> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  return { port: (blocker.address() as { port: number }).port, close: () => new Promise((resolve) => blocker.close(() => resolve())) };
}

describe("npm start offline, with the demo", () => {
  it("runs the demo on the fakes before serving, with the attempts the mesh reported during it", async () => {
    const lines: string[] = [];
    let running: Running;
    try {
      running = await start(["--port", "0"], { MODELMESH_OFFLINE: "1", MODELMESH_NO_WEB_APP: "1" }, (line) => lines.push(line));
      expect(lines).toContain("A short demo of routing and failover on the fakes, before serving:");
      expect(lines.some((line) => line.startsWith("  1. A routed request: "))).toBe(true);
      // The attempt list is built from the events the mesh emitted while the demo ran: empty without them.
      const attempts = lines.find((line) => line.startsWith("     Attempts: "));
      expect(attempts).toMatch(/fake-alpha\/\S+ \S+ -> /);
      expect(lines.findIndex((line) => line.startsWith("modelmesh-proxy listening on "))).toBeGreaterThan(lines.indexOf("A short demo of routing and failover on the fakes, before serving:"));
    } finally {
      await running?.stop();
    }
  });
});

describe("npm start with the example web app", () => {
  it("offline: prints the page pre-filled for the first fake, lets exactly its origin call the proxy, closes it on stop", async () => {
    const lines: string[] = [];
    let running: Running;
    try {
      running = await start(["--port", "0"], { MODELMESH_OFFLINE: "1", MODELMESH_SKIP_DEMO: "1" }, (line) => lines.push(line));
      const url = running!.server.url;
      const fakes = /^ {2}fake providers: (.+)$/.exec(lines[1]!)![1]!.split("  ");
      const pageLine = lines.find((line) => line.startsWith("Demo web app: "))!;
      const [, page] = /^Demo web app: (\S+) {2}\(any key works with the fakes\)$/.exec(pageLine)!;
      const pageUrl = new URL(page!);
      // --port 0 asks for a free port for the web app too, not the fixed 5173.
      expect(pageUrl.port).not.toBe("5173");
      // MODELMESH_SKIP_DEMO=1: straight to serving.
      expect(lines.some((line) => line.startsWith("A short demo"))).toBe(false);
      expect(page).toBe(offlineWebAppUrl(`${pageUrl.origin}/`, url, fakes[0]!));
      expect((await fetch(`${pageUrl.origin}/`)).status).toBe(200);
      const allowed = await fetch(`${url}/v1/models`, { headers: { origin: pageUrl.origin } });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get("access-control-allow-origin")).toBe(pageUrl.origin);
      expect((await fetch(`${url}/v1/models`, { headers: { origin: "http://127.0.0.1:1" } })).status).toBe(403);
    } finally {
      await running?.stop();
    }
    const page = /^Demo web app: (\S+)/.exec(lines.find((line) => line.startsWith("Demo web app: "))!)![1]!;
    await expect(fetch(new URL(page).origin)).rejects.toThrow();
  });

  it("with a key: prints the page with the proxy's relay address and no fake, for a key typed in the page", async () => {
    const fake = await startFakeOpenAI({ name: "start-web" });
    Object.assign(process.env, { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url });
    const lines: string[] = [];
    let running: Running;
    try {
      running = await start(["--port", "0"], { ...process.env, MODELMESH_SKIP_DEMO: "1" }, (line) => lines.push(line));
      const pageLine = lines.find((line) => line.startsWith("Demo web app: "))!;
      const [, page] = /^Demo web app: (\S+) {2}\(type your provider key in the page\)$/.exec(pageLine)!;
      const pageUrl = new URL(page!);
      expect(Object.fromEntries(pageUrl.searchParams)).toEqual({ proxyUrl: `${running!.server.url}/proxy/` });
      expect(pageUrl.pathname).toBe("/");
    } finally {
      await running?.stop();
      await fake.close();
    }
  });
});

describe("npm start with providers", () => {
  it("MODELMESH_OFFLINE=1 wins over a key in the environment: the fakes serve, the real provider is never called", async () => {
    const fake = await startFakeOpenAI({ name: "must-not-be-called" });
    Object.assign(process.env, { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url });
    const lines: string[] = [];
    let running: Running;
    try {
      running = await start(["--port", "0"], { ...process.env, MODELMESH_OFFLINE: "1", MODELMESH_SKIP_DEMO: "1", MODELMESH_NO_WEB_APP: "1" }, (line) => lines.push(line));
      expect(lines[0]).toMatch(/^ModelMesh is running on LOCAL FAKE providers, offline: MODELMESH_OFFLINE=1 is set\./);
      expect(fake.requests).toEqual([]);
    } finally {
      await running?.stop();
      await fake.close();
    }
  });

  it("names where the providers came from and every provider; lists no keys when none is in the environment", async () => {
    const fakes = [await startFakeOpenAI({ name: "one" }), await startFakeOpenAI({ name: "two" })];
    const file = configFile(fakes);
    const lines: string[] = [];
    let running: Running;
    try {
      running = await start(["--config", file, "--port", "0"], { MODELMESH_SKIP_DEMO: "1", MODELMESH_NO_WEB_APP: "1" }, (line) => lines.push(line));
      expect(lines[0]).toBe(`ModelMesh proxy with providers from ${file}: p0, p1`);
      expect(lines.some((line) => line.includes("keys found"))).toBe(false);
      expect(lines[1]).toMatch(/^ {2}pools: \S+ \(2\/2 models active\)/);
    } finally {
      await running?.stop();
      await Promise.all(fakes.map((fake) => fake.close()));
    }
  });

  it("says 'the environment' when the providers were discovered from keys", async () => {
    const fake = await startFakeOpenAI({ name: "env" });
    Object.assign(process.env, { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url });
    const lines: string[] = [];
    let running: Running;
    try {
      running = await start(["--port", "0"], { ...process.env, MODELMESH_SKIP_DEMO: "1", MODELMESH_NO_WEB_APP: "1" }, (line) => lines.push(line));
      expect(lines[0]).toMatch(/^ModelMesh proxy with providers from the environment: \S+$/);
    } finally {
      await running?.stop();
      await fake.close();
    }
  });

  it("prints the curl call with a token placeholder when the proxy has a token", async () => {
    const lines: string[] = [];
    let running: Running;
    try {
      running = await start(["--port", "0", "--token", "start-token-0123456789"], { MODELMESH_OFFLINE: "1", MODELMESH_SKIP_DEMO: "1", MODELMESH_NO_WEB_APP: "1" }, (line) => lines.push(line));
      const curl = lines.find((line) => line.startsWith("  curl "))!;
      expect(curl).toContain('-H "Authorization: Bearer <your proxy token>"');
      expect(lines.join("\n")).not.toContain("start-token-0123456789");
    } finally {
      await running?.stop();
    }
  });
});

describe("npm start failures", () => {
  it("with providers (no fakes to close), a taken port still gets the port message", async () => {
    const fakes = [await startFakeOpenAI({ name: "busy" })];
    const blocker = await portInUse();
    try {
      await expect(start(["--config", configFile(fakes), "--port", String(blocker.port)], { MODELMESH_SKIP_DEMO: "1", MODELMESH_NO_WEB_APP: "1" }, () => {})).rejects.toThrow(
        `port ${blocker.port} is in use`,
      );
    } finally {
      await blocker.close();
      await Promise.all(fakes.map((fake) => fake.close()));
    }
  });

  it("a failure to serve other than a taken port is passed on as it is", async () => {
    // Beyond loopback without a token the proxy refuses to start: that refusal, not a port message.
    await expect(start(["--port", "0", "--host", "0.0.0.0"], { MODELMESH_OFFLINE: "1", MODELMESH_SKIP_DEMO: "1", MODELMESH_NO_WEB_APP: "1" }, () => {})).rejects.toThrow(/token/);
    await expect(start(["--port", "0", "--host", "0.0.0.0"], { MODELMESH_OFFLINE: "1", MODELMESH_SKIP_DEMO: "1", MODELMESH_NO_WEB_APP: "1" }, () => {})).rejects.not.toThrow(/in use/);
  });

  it("a configuration error other than 'no providers' is passed on, not covered up by the offline fakes", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "modelmesh-mutation-start-")), "modelmesh.yaml");
    writeFileSync(file, "providers:\n  a:\n    connector: no-such-connector\n    config: {}\n");
    const lines: string[] = [];
    await expect(start(["--config", file, "--port", "0"], { MODELMESH_SKIP_DEMO: "1", MODELMESH_NO_WEB_APP: "1" }, (line) => lines.push(line))).rejects.toThrow(/unknown provider connector "no-such-connector"/);
    expect(lines.some((line) => line.includes("LOCAL FAKE"))).toBe(false);
  });
});
