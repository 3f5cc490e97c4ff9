import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinModules } from "node:module";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import { build, type Plugin } from "esbuild";
import { NODE_CONNECTORS } from "../src/core/connector-ids.js";
import { registerBuiltins } from "../src/core/builtins.js";
import { loadConnector } from "../src/core/registry-load.js";
import * as nodeEntry from "../src/node/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Records Node built-ins (and the Node-only folder) instead of failing the build, so the test can name them. */
function recordNodeOnly(found: string[]): Plugin {
  const names = new Set(builtinModules);
  return {
    name: "record-node-only",
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
        if (!args.path.startsWith("node:") && !names.has(bare.split("/")[0] ?? "") && bare !== "node-sqlite3-wasm") return undefined;
        found.push(`${args.path} (from ${relative(root, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
}

describe("Node-only connectors (modelmesh.sqlite.v1, modelmesh.local-file.v1)", () => {
  it("are described in NODE_CONNECTORS by the classes modelmesh/node exports, and load by id and short name in Node", async () => {
    registerBuiltins();
    for (const description of NODE_CONNECTORS) {
      const exported = (nodeEntry as Record<string, unknown>)[description.exportName] as { connectorId: string; shortName: string };
      expect(exported.connectorId).toBe(description.id);
      expect(exported.shortName).toBe(description.aliases[0]);
      expect((await loadConnector(description.kind, description.id, "connector")).connector).toBe(exported);
      expect((await loadConnector(description.kind, description.aliases[0], "connector")).connector).toBe(exported);
    }
  });

  describe("in browser bundles", () => {
    let directory: string;
    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), "modelmesh-node-only-"));
    });
    afterAll(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    const entries = [
      ["modelmesh", "esm", true],
      ["modelmesh/lazy", "esm", true],
      ["modelmesh", "iife", false],
    ] as const;
    it.each(entries)("%s (%s): no node: import, no sdk/src/node file, no SQLite", async (entry, format, splitting) => {
      const name = `${entry.replace("/", "-")}-${format}`;
      const file = join(directory, `${name}.js`);
      await writeFile(file, `import { create } from "${entry}";\nexport const client = () => create({ config: { storage: { connector: "sqlite" } } });\n`);
      const found: string[] = [];
      const result = await build({
        entryPoints: [file],
        bundle: true,
        platform: "browser",
        format,
        splitting,
        write: false,
        metafile: true,
        logLevel: "silent",
        outdir: join(directory, `out-${name}`),
        absWorkingDir: root,
        nodePaths: [join(root, "node_modules")],
        conditions: ["modelmesh-source"],
        plugins: [recordNodeOnly(found)],
      });
      expect(found).toEqual([]);
      expect(Object.keys(result.metafile.inputs).filter((input) => input.startsWith("sdk/src/node/"))).toEqual([]);
    });

    it("naming sqlite in a browser is a ConfigError that says it runs in Node only", async () => {
      const file = join(directory, "browser-sqlite.js");
      await writeFile(
        file,
        `import { create, ConfigError } from "modelmesh";
globalThis.run = async () => {
  const client = create({ config: { providers: { openai: { connector: "openai", config: { api_key: "sk-browser-0000000000" } } }, storage: { connector: "sqlite", config: { path: "x.db" } } } });
  try { await client.ready(); return "started"; } catch (error) { return (error instanceof ConfigError ? "ConfigError " : "other ") + error.path + ": " + error.message; }
};
`,
      );
      const result = await build({ entryPoints: [file], bundle: true, platform: "browser", format: "iife", write: false, logLevel: "silent", absWorkingDir: root, nodePaths: [join(root, "node_modules")], conditions: ["modelmesh-source"] });
      // A page's globals: no process, so the mesh cannot take itself for Node.
      const scope = createContext({ console, URL, TextEncoder, TextDecoder, AbortController, AbortSignal, Headers, Request, Response, ReadableStream, fetch, setTimeout, clearTimeout, structuredClone, crypto: globalThis.crypto });
      runInContext(result.outputFiles[0]!.text, scope);
      const outcome = await (scope as unknown as { run: () => Promise<string> }).run();
      expect(outcome).toMatch(/^ConfigError storage/);
      expect(outcome).toMatch(/modelmesh\.sqlite\.v1 runs in Node only/);
    });
  });
});
