import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError, PrometheusObservability } from "modelmesh";
import { startFakeOpenAI, type FakeOpenAI } from "../../sdk/test/fakes/openai.js";
import { configPath, describeRunning, loadInvocation, parseCliArguments, runCli, stopOnSignals, USAGE, withSink } from "../src/cli.js";
import { mergeSettings } from "../src/config.js";

// The command line in this process (cli.test.ts runs the launcher as a child, which a mutation run cannot see):
// what the flags become, which configuration file is read, what a started proxy serves and prints, and the refusals.

let fake: FakeOpenAI;
let folder: string;
let configFile: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ["alpha"] });
  folder = mkdtempSync(join(tmpdir(), "modelmesh-cli-"));
  configFile = join(folder, "proxy.yaml");
  writeFileSync(
    configFile,
    `providers:
  a:
    connector: openai-compatible
    config:
      base_url: ${fake.url}
      api_key: sk-test-cli-in-process
      models:
        - id: alpha
          capabilities: [generation.text-generation.chat-completion]
pools:
  chat:
    capability: chat-completion
proxy:
  port: 8787
  token: yaml-token-0123456789
  rate_limit:
    requests_per_minute: 1000
`,
  );
});
afterAll(() => fake.close());

describe("parseCliArguments", () => {
  it("reads every flag", () => {
    expect(parseCliArguments(["--config", "a.yaml", "--host", "::1", "--port", "0", "--token", "t1", "--token", "t2", "--relay-only"])).toEqual({
      help: false,
      relayOnly: true,
      config: "a.yaml",
      layer: { host: "::1", port: 0, tokens: ["t1", "t2"] },
    });
    // Only the flags given: a key set to undefined would override the YAML and the environment when merged.
    expect(parseCliArguments([])).toStrictEqual({ help: false, relayOnly: false, config: undefined, layer: {} });
    expect(parseCliArguments(["--port", "1"]).layer).toStrictEqual({ port: 1 });
    expect(parseCliArguments(["-h"]).help).toBe(true);
    expect(parseCliArguments(["--help"]).help).toBe(true);
    expect(parseCliArguments(["--port", "65535"]).layer).toEqual({ port: 65_535 });
  });

  it("refuses unknown flags, positionals and bad ports with the usage or the reason", () => {
    for (const argv of [["--bogus"], ["serve"], ["--port"]]) {
      let error: unknown;
      try {
        parseCliArguments(argv);
      } catch (caught) {
        error = caught;
      }
      expect(error, argv.join(" ")).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(`\n\n${USAGE}`);
      expect((error as ConfigError).message).not.toMatch(/^\n/);
      expect((error as ConfigError).path).toBe("");
    }
    for (const port of ["65536", "-1", "80a", "8e3", ""]) {
      expect(() => parseCliArguments([`--port=${port}`]), port).toThrow(`--port: must be a port number from 0 to 65535, got "${port}"`);
    }
  });
});

describe("configPath", () => {
  it("takes the flag, then MODELMESH_CONFIG, then modelmesh.yaml or .yml in the folder", () => {
    expect(configPath("flag.yaml", { MODELMESH_CONFIG: "env.yaml" }, folder)).toBe("flag.yaml");
    expect(configPath(undefined, { MODELMESH_CONFIG: "env.yaml" }, folder)).toBe("env.yaml");
    expect(configPath(undefined, { MODELMESH_CONFIG: "" }, folder)).toBeUndefined();
    const withYml = mkdtempSync(join(tmpdir(), "modelmesh-cli-yml-"));
    writeFileSync(join(withYml, "modelmesh.yml"), "{}");
    expect(configPath(undefined, {}, withYml)).toBe(`${withYml}/modelmesh.yml`);
    writeFileSync(join(withYml, "modelmesh.yaml"), "{}");
    expect(configPath(undefined, {}, withYml)).toBe(`${withYml}/modelmesh.yaml`);
  });
});

describe("withSink", () => {
  it("adds the sink to whatever observability the configuration lists", () => {
    const sink = new PrometheusObservability();
    expect(withSink({}, sink).observability).toEqual([{ instance: sink }]);
    expect(withSink({ observability: null } as never, sink).observability).toEqual([{ instance: sink }]);
    const console = { connector: "console" };
    expect(withSink({ observability: console } as never, sink).observability).toEqual([console, { instance: sink }]);
    expect(withSink({ observability: [console, console] } as never, sink).observability).toEqual([console, console, { instance: sink }]);
    expect(withSink({ pools: {} } as never, sink)).toMatchObject({ pools: {} });
  });
});

describe("loadInvocation", () => {
  it("prints the usage for --help and starts nothing", async () => {
    expect(USAGE).toMatch(/^Usage: modelmesh-proxy \[--config modelmesh\.yaml\]/);
    const lines: string[] = [];
    expect(await loadInvocation(["--help"], {}, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toEqual([USAGE]);
  });

  it("merges the YAML's proxy section, then the environment, then the flags", async () => {
    const invocation = await loadInvocation(["--config", configFile, "--port", "0"], { MODELMESH_PROXY_HOST: "::1" }, () => {});
    expect(invocation!.path).toBe(configFile);
    expect(invocation!.settings).toMatchObject({ host: "::1", port: 0, tokens: ["yaml-token-0123456789"], rateLimit: { requestsPerMinute: 1000 } });
    expect(invocation!.raw.pools).toEqual({ chat: { capability: "chat-completion" } });
  });
});

describe("runCli", () => {
  it("serves the configured mesh with the merged settings, prints where, and stops once", async () => {
    const running = await runCli(["--config", configFile, "--port", "0", "--token", "flag-token-0123456789"], {}, () => {});
    try {
      expect(running!.settings.tokens).toEqual(["flag-token-0123456789"]);
      const url = running!.server.url;
      expect((await fetch(`${url}/v1/models`, { headers: { authorization: "Bearer yaml-token-0123456789" } })).status).toBe(401);
      const chat = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer flag-token-0123456789", "content-type": "application/json" },
        body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(chat.status).toBe(200);
      expect(fake.requests.some((request) => request.path === "/v1/chat/completions")).toBe(true);
      // The mesh's own metrics sink was added: /metrics shows the mesh's request counter beside the proxy's.
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: "Bearer flag-token-0123456789" } })).text();
      expect(metrics).toMatch(/modelmesh_requests_total\{[^}]*\} 1/);
      expect(describeRunning(running!)).toEqual([
        `modelmesh-proxy listening on ${url}`,
        `  OpenAI-compatible API: ${url}/v1  (pools: chat)`,
        `  browser relay:         ${url}/proxy/https://api.openai.com/v1/...`,
        `  health, readiness, metrics: ${url}/health  ${url}/ready  ${url}/metrics`,
        "  auth: bearer token required (1 configured)",
      ]);
    } finally {
      await Promise.all([running!.stop(), running!.stop()]);
    }
    await expect(fetch(`${running!.server.url}/health`)).rejects.toThrow();
  });

  it("serves only the relay with --relay-only, and says when there is no relay or no token", async () => {
    const running = await runCli(["--relay-only", "--port", "0"], {}, () => {});
    try {
      expect(running!.client).toBeUndefined();
      const url = running!.server.url;
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/v1/models`)).status).toBe(404);
      const lines = describeRunning(running!);
      expect(lines).toEqual([
        `modelmesh-proxy listening on ${url}`,
        `  browser relay:         ${url}/proxy/https://api.openai.com/v1/...`,
        `  health, readiness, metrics: ${url}/health  ${url}/ready  ${url}/metrics`,
        "  auth: none (loopback only)",
      ]);
      const withoutRelay = { ...running!, settings: mergeSettings({ relay: { enabled: false } }) };
      expect(describeRunning(withoutRelay)).not.toContainEqual(expect.stringContaining("browser relay"));
      const everywhere = { ...running!, server: { ...running!.server, host: "0.0.0.0" } };
      expect(describeRunning(everywhere as never)[0]).toBe(`modelmesh-proxy listening on ${url} (all interfaces)`);
      const everywhereV6 = { ...running!, server: { ...running!.server, host: "::" } };
      expect(describeRunning(everywhereV6 as never)[0]).toBe(`modelmesh-proxy listening on ${url} (all interfaces)`);
    } finally {
      await running!.stop();
    }
  });

  it("passes the YAML's rate limit on to the server", async () => {
    const limited = join(folder, "limited.yaml");
    writeFileSync(limited, `providers:\n  a:\n    connector: openai-compatible\n    config:\n      base_url: ${fake.url}\n      api_key: sk-test-cli-limited-0000\n      models:\n        - id: alpha\n          capabilities: [generation.text-generation.chat-completion]\nproxy:\n  rate_limit:\n    requests_per_minute: 1\n`);
    const running = await runCli(["--config", limited, "--port", "0"], {}, () => {});
    try {
      const models = () => fetch(`${running!.server.url}/v1/models`);
      expect((await models()).status).toBe(200);
      const second = await models();
      expect(second.status).toBe(429);
      expect(second.headers.get("retry-after")).toBe("60");
    } finally {
      await running!.stop();
    }
  });

  it("prints the usage for --help and starts nothing", async () => {
    const lines: string[] = [];
    expect(await runCli(["--help"], {}, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toEqual([USAGE]);
  });

  it("refuses a public listener without a token before starting anything", async () => {
    await expect(runCli(["--relay-only", "--host", "0.0.0.0", "--port", "0"], {}, () => {})).rejects.toThrow(/token/);
  });

  it("refuses to start with no providers, saying how to get some", async () => {
    const empty = join(folder, "empty.yaml");
    writeFileSync(empty, "proxy:\n  port: 0\n");
    const error = await runCli(["--config", empty], {}, () => {}).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe("providers");
    expect((error as ConfigError).message).toContain("--relay-only");
  });

  it("passes on a configuration error that is not about missing providers", async () => {
    const broken = join(folder, "broken.yaml");
    writeFileSync(broken, `providers:\n  a:\n    connector: no-such-connector\n`);
    const error = await runCli(["--config", broken, "--port", "0"], {}, () => {}).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).not.toBe("providers");
    expect((error as ConfigError).message).toContain("no-such-connector");
  });
});

describe("stopOnSignals", () => {
  it("stops the proxy on the first signal and exits 0, and exits 1 at once on a second", async () => {
    const running = (await runCli(["--relay-only", "--port", "0"], {}, () => {}))!;
    const exits: Array<number | undefined> = [];
    const exit = vi.spyOn(process, "exit").mockImplementation(((code?: number) => void exits.push(code)) as never);
    const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
    const lines: string[] = [];
    try {
      stopOnSignals(running, (line) => lines.push(line));
      const added = (signal: "SIGINT" | "SIGTERM") => process.listeners(signal).filter((listener) => !before[signal].includes(listener));
      expect(added("SIGINT")).toHaveLength(1);
      expect(added("SIGTERM")).toHaveLength(1);
      // Called directly: emitting a real SIGTERM would reach the test runner's own handlers too.
      (added("SIGTERM")[0] as (signal: string) => void)("SIGTERM");
      expect(lines).toEqual(["SIGTERM: closing (requests in flight may finish, state is saved)..."]);
      await vi.waitFor(() => expect(exits).toEqual([0]));
      await expect(fetch(`${running.server.url}/health`)).rejects.toThrow();
      (added("SIGINT")[0] as (signal: string) => void)("SIGINT");
      expect(exits).toEqual([0, 1]);
      // The real exit would end the process here; the stand-in returns, so the handler runs on and exits again.
      await vi.waitFor(() => expect(exits).toHaveLength(3));
      for (const signal of ["SIGINT", "SIGTERM"] as const) for (const listener of added(signal)) process.off(signal, listener as never);
    } finally {
      exit.mockRestore();
      await running.stop();
    }
  });

  it("exits 1 when stopping fails", async () => {
    const exits: Array<number | undefined> = [];
    const exit = vi.spyOn(process, "exit").mockImplementation(((code?: number) => void exits.push(code)) as never);
    const before = process.listeners("SIGINT");
    try {
      const failing = { stop: () => Promise.reject(new Error("close failed")) } as never;
      stopOnSignals(failing, () => {});
      const added = process.listeners("SIGINT").filter((listener) => !before.includes(listener));
      (added[0] as (signal: string) => void)("SIGINT");
      await vi.waitFor(() => expect(exits).toEqual([1]));
      for (const signal of ["SIGINT", "SIGTERM"] as const) for (const listener of process.listeners(signal).slice(-1)) process.off(signal, listener as never);
    } finally {
      exit.mockRestore();
    }
  });
});
