import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../../sdk/test/fakes/openai.js";
import { parseCliArguments } from "../src/cli.js";

const LAUNCHER = fileURLToPath(new URL("../bin/modelmesh-proxy.js", import.meta.url));
// The source, not a possibly stale build: the launcher prefers src/ inside the repository unless told otherwise.
const ENV = { ...process.env, MODELMESH_PROXY_USE_BUILD: "", MODELMESH_PROXY_HOST: "", MODELMESH_PROXY_PORT: "", MODELMESH_PROXY_TOKEN: "", MODELMESH_CONFIG: "" };

let fake: FakeOpenAI;
let configFile: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ["alpha"] });
  configFile = join(mkdtempSync(join(tmpdir(), "modelmesh-proxy-")), "modelmesh.yaml");
  writeFileSync(
    configFile,
    `providers:
  a:
    connector: openai-compatible
    config:
      base_url: ${fake.url}
      api_key: sk-test-cli
      models:
        - id: alpha
          capabilities: [generation.text-generation.chat-completion]
pools:
  chat:
    capability: chat-completion
proxy:
  port: 8787
  token: yaml-token-0123456789
`,
  );
});
afterAll(() => fake.close());

/** Runs the launcher; resolves with its output once `until` matches it or it exits. */
function run(args: string[], until?: RegExp): Promise<{ child: ChildProcess; output: string; code: number | null }> {
  const child = spawn(process.execPath, [LAUNCHER, ...args], { env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no match for ${until} in: ${output}`)), 8_000);
    const check = () => {
      if (until && until.test(output)) {
        clearTimeout(timer);
        resolve({ child, output, code: null });
      }
    };
    child.stdout.on("data", (part: Buffer) => ((output += part.toString()), check()));
    child.stderr.on("data", (part: Buffer) => ((output += part.toString()), check()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ child, output, code });
    });
  });
}

describe("modelmesh-proxy command", () => {
  it("starts from the YAML, flags overriding it, serves /health and the API, and stops on SIGTERM", async () => {
    const { child, output } = await run(["--config", configFile, "--port", "0", "--token", "flag-token-0123456789"], /listening on (http:\/\/\S+)/);
    const url = /listening on (http:\/\/\S+)/.exec(output)![1]!;
    expect(url).not.toContain(":8787");
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // The flag's token replaced the YAML's.
    expect((await fetch(`${url}/v1/models`, { headers: { authorization: "Bearer yaml-token-0123456789" } })).status).toBe(401);
    const chat = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer flag-token-0123456789", "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("refuses to listen beyond loopback without a token", async () => {
    const yaml = join(mkdtempSync(join(tmpdir(), "modelmesh-proxy-")), "modelmesh.yaml");
    writeFileSync(yaml, "proxy:\n  host: 0.0.0.0\n  port: 0\n");
    const { code, output } = await run(["--config", yaml]);
    expect(code).toBe(1);
    expect(output).toMatch(/needs a token/);
  });

  it("prints usage for --help and rejects unknown flags", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.output).toContain("--config");
    expect(() => parseCliArguments(["--bogus"])).toThrow(/Usage/);
    expect(parseCliArguments(["--port", "9000", "--token", "a", "--token", "b", "--host", "::1"]).layer).toEqual({ port: 9000, tokens: ["a", "b"], host: "::1" });
  });
});

describe("npm start", () => {
  it("with no keys runs on local fake providers, says so first, and prints where everything is", async () => {
    const script = fileURLToPath(new URL("../src/start.ts", import.meta.url));
    const child = spawn(process.execPath, ["--conditions=modelmesh-source", "--import", "tsx", script, "--port", "0"], {
      env: { ...ENV, MODELMESH_OFFLINE: "1" },
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not finish starting: ${output}`)), 15_000);
      const onData = (part: Buffer) => {
        output += part.toString();
        if (/Browser extension:/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
    });
    try {
      expect(output.split("\n")[0]).toMatch(/LOCAL FAKE providers, offline/);
      const url = /listening on (http:\/\/\S+)/.exec(output)![1]!;
      expect(output).toContain(`curl ${url}/v1/chat/completions`);
      expect(output).toMatch(/Demo web app: http:\/\/127\.0\.0\.1:\d+\/\?/);
      const models = await (await fetch(`${url}/v1/models`)).json();
      expect(models.data.map((model: { id: string }) => model.id)).toEqual(expect.arrayContaining(["chat", "text-embeddings", "text-to-speech", "speech-to-text", "text-to-image"]));
    } finally {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });
});
