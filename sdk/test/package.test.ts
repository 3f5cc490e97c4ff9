import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createContext, runInContext } from "node:vm";
import { build } from "esbuild";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));

describe("the modelmesh package", () => {
  it("builds to ESM + .d.ts that Node imports by package name", async () => {
    await run("npx", ["tsc", "-p", "sdk/tsconfig.build.json"], { cwd: root });
    expect(existsSync(`${root}sdk/dist/index.d.ts`)).toBe(true);
    expect(existsSync(`${root}sdk/dist/testing/index.d.ts`)).toBe(true);
    const script = `
      import { create, capabilities, ConfigError } from "modelmesh";
      import { mockClient } from "modelmesh/testing";
      const client = mockClient({ responses: ["built"] });
      const response = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "x" }] });
      let configError = "";
      try { create({ config: { pools: { chat: {} } } }); } catch (error) { configError = error instanceof ConfigError ? error.path : "wrong class"; }
      console.log(JSON.stringify({ content: response.choices[0].message.content, path: capabilities.resolve("chat-completion"), configError, create: typeof create }));
    `;
    // No custom condition here: this is what a user of the built package gets.
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({ content: "built", path: "generation.text-generation.chat-completion", configError: "pools.chat.capability", create: "function" });
    expect(existsSync(`${root}sdk/dist/lazy.d.ts`)).toBe(true);
    expect(existsSync(`${root}sdk/dist/static.d.ts`)).toBe(true);
    // The two subpaths, as a user of the built package imports them: each checks connector names in create().
    const subpaths = `
      import { create as lazyCreate, ConfigError } from "modelmesh/lazy";
      import { create as staticCreate, registerConnectors, OpenAIProvider, ConfigError as StaticConfigError } from "modelmesh/static";
      const pathOf = (run, Class) => { try { run(); return "no error"; } catch (error) { return error instanceof Class ? error.path : "wrong class"; } };
      // Static first: both entries share one registry in a process, and the lazy create() registers every built-in.
      const before = pathOf(() => staticCreate({ providers: ["openai"] }), StaticConfigError);
      registerConnectors([OpenAIProvider]);
      const after = pathOf(() => staticCreate({ providers: [{ connector: "openai", config: { apiKey: "k" } }] }), StaticConfigError);
      const lazy = pathOf(() => lazyCreate({ providers: ["acme"] }), ConfigError);
      console.log(JSON.stringify({ lazy, before, after }));
    `;
    const subpathRun = await run(process.execPath, ["--input-type=module", "-e", subpaths], { cwd: root });
    expect(JSON.parse(subpathRun.stdout)).toEqual({ lazy: "providers[0].connector", before: "providers[0].connector", after: "no error" });
  }, 60_000);

  it("bundles for the browser with no Node built-in, and loads in a service-worker-like scope", async () => {
    const result = await build({
      entryPoints: [`${root}sdk/src/index.ts`],
      bundle: true,
      write: false,
      format: "iife",
      globalName: "modelmesh",
      platform: "browser",
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.startsWith("node:") || /(^|\/)node_modules\/(undici|node-fetch)/.test(input))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    // What an MV3 service worker has, and none of what it lacks (process, window, document, storage globals).
    const scope = createContext({
      console,
      URL,
      TextEncoder,
      TextDecoder,
      AbortController,
      AbortSignal,
      Headers,
      Request,
      Response,
      ReadableStream,
      fetch,
      setTimeout,
      clearTimeout,
      structuredClone,
      crypto: globalThis.crypto,
    });
    runInContext(`${code};globalThis.loaded = Object.keys(modelmesh).length;`, scope);
    expect((scope as { loaded: number }).loaded).toBeGreaterThan(50);
    for (const forbidden of ["process", "window", "document", "localStorage", "indexedDB", "chrome"]) expect(forbidden in scope).toBe(false);
  });
});
