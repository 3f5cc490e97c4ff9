import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinModules } from "node:module";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { build, type Metafile, type Plugin } from "esbuild";
import { build as viteBuild, defaultClientConditions, type Rolldown } from "vite";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

// What an app's bundler makes of the three entries, built from source (the `modelmesh-source` condition) so the test
// needs no `npm run build`. `bench/bundle-size.ts` measures the same against the built package.
const root = fileURLToPath(new URL("../../", import.meta.url));
// The budget for create + the OpenAI provider by id, up front. The root entry checks the whole configuration in
// create() (config.ts, about 3 KB gzip more than modelmesh/lazy's outline) and is held to the same number.
const BUDGET_BYTES = 15 * 1024;
// Loaded with the mesh, never up front: every connector, the router, the YAML parser, and the error classes a
// provider's failure builds (with the redaction their constructors run).
const NEVER_UP_FRONT = [
  "sdk/src/provider/openai.ts",
  "sdk/src/provider/anthropic/provider.ts",
  "sdk/src/provider/base-provider.ts",
  "sdk/src/core/router.ts",
  "sdk/src/core/request-checks.ts",
  "sdk/src/observability/prometheus.ts",
  "sdk/src/rotation/cost-first.ts",
  "sdk/src/wire/errors.ts",
  "sdk/src/wire/redact.ts",
];

/** Records Node built-ins instead of failing the build, so the test can name them. */
function recordNodeBuiltins(found: string[]): Plugin {
  const names = new Set(builtinModules);
  return {
    name: "record-node-builtins",
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
        if (!args.path.startsWith("node:") && !names.has(bare.split("/")[0] ?? "")) return undefined;
        found.push(`${args.path} (from ${relative(root, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
}

async function bundle(directory: string, name: string, source: string, options: { splitting: boolean; format: "esm" | "iife" }) {
  const entry = join(directory, `${name}.js`);
  await writeFile(entry, source);
  const nodeBuiltins: string[] = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "silent",
    outdir: join(directory, `out-${name}`),
    absWorkingDir: root,
    nodePaths: [join(root, "node_modules")],
    conditions: ["modelmesh-source"],
    plugins: [recordNodeBuiltins(nodeBuiltins)],
    ...options,
  });
  return { result, nodeBuiltins, entryOutput: Object.keys(result.metafile.outputs).find((path) => result.metafile.outputs[path]!.entryPoint === relative(root, entry))! };
}

/** `vite build` of one entry from source, in memory: its chunks. Without splitting, one IIFE (as an MV3 worker needs). */
async function viteChunks(directory: string, entry: string, splitting: boolean): Promise<Rolldown.OutputChunk[]> {
  const built = await viteBuild({
    configFile: false,
    logLevel: "silent",
    root: directory,
    resolve: { conditions: ["modelmesh-source", ...defaultClientConditions] },
    build: { write: false, minify: true, rolldownOptions: splitting ? { input: entry, preserveEntrySignatures: "exports-only" } : { input: entry, output: { codeSplitting: false, format: "iife" } } },
  });
  return (Array.isArray(built) ? built[0]! : (built as Rolldown.RolldownOutput)).output.filter((file): file is Rolldown.OutputChunk => file.type === "chunk");
}

/** The entry chunk and every chunk it imports statically: what a page loads before its code runs. */
function upFront(metafile: Metafile, entryOutput: string): Set<string> {
  const found = new Set<string>();
  const pending = [entryOutput];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (found.has(path)) continue;
    found.add(path);
    for (const imported of metafile.outputs[path]!.imports) if (imported.kind === "import-statement" && !imported.external) pending.push(imported.path);
  }
  return found;
}

describe("bundling modelmesh for browsers", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "modelmesh-bundle-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("modelmesh/lazy: create + the OpenAI provider by id loads at most 15 KB gzip up front; connectors, the mesh and YAML are lazy chunks", async () => {
    const { result, nodeBuiltins, entryOutput } = await bundle(
      directory,
      "lazy",
      `import { create } from "modelmesh/lazy";\nexport const client = create("chat-completion", { providers: [{ connector: "openai.llm.v1", config: { apiKey: "k" } }] });\n`,
      { splitting: true, format: "esm" },
    );
    const eager = upFront(result.metafile, entryOutput);
    const files = new Map(result.outputFiles.map((file) => [relative(root, file.path), file.contents]));
    const gzipBytes = [...eager].reduce((sum, path) => sum + gzipSync(files.get(path)!, { level: 9 }).byteLength, 0);
    expect(gzipBytes).toBeLessThanOrEqual(BUDGET_BYTES);
    const eagerInputs = [...eager].flatMap((path) => Object.keys(result.metafile.outputs[path]!.inputs));
    // The connectors (and the router, the request checks, the provider errors and the YAML parser) are not in what
    // loads up front...
    for (const lazy of NEVER_UP_FRONT) expect(eagerInputs, lazy).not.toContain(lazy);
    expect(eagerInputs.some((input) => input.includes("node_modules/yaml/"))).toBe(false);
    // ...but each is its own chunk that an import() reaches.
    const dynamicEntries = Object.values(result.metafile.outputs).map((output) => output.entryPoint).filter(Boolean);
    for (const chunk of ["sdk/src/provider/openai.ts", "sdk/src/observability/prometheus.ts", "sdk/src/rotation/cost-first.ts", "sdk/src/core/lazy-mesh.ts"]) expect(dynamicEntries, chunk).toContain(chunk);
    expect(nodeBuiltins).toEqual([]);
  });

  it("modelmesh (the root) with esbuild --splitting: create + the OpenAI provider by id loads at most 15 KB gzip up front, with no connector; the FAQ's BrowserBaseProvider example loads that class, not the other connectors", async () => {
    // esbuild loads every chunk a used barrel can reach (evanw/esbuild#3252): the entries re-export with `export *`
    // and one-module barrels so that a name the app does not use costs nothing (before: 85 KB in 70 files).
    const measure = async (name: string, source: string) => {
      const { result, nodeBuiltins, entryOutput } = await bundle(directory, name, source, { splitting: true, format: "esm" });
      const eager = upFront(result.metafile, entryOutput);
      const files = new Map(result.outputFiles.map((file) => [relative(root, file.path), file.contents]));
      expect(nodeBuiltins).toEqual([]);
      return {
        gzipBytes: [...eager].reduce((sum, path) => sum + gzipSync(files.get(path)!, { level: 9 }).byteLength, 0),
        inputs: [...eager].flatMap((path) => Object.entries(result.metafile.outputs[path]!.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([input]) => input)),
      };
    };
    const byId = await measure("root-by-id", `import { create } from "modelmesh";\nexport const client = create("chat-completion", { providers: [{ connector: "openai.llm.v1", config: { apiKey: "k" } }] });\n`);
    expect(byId.gzipBytes).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(byId.inputs).toContain("sdk/src/core/config.ts");
    for (const lazy of NEVER_UP_FRONT) expect(byId.inputs, lazy).not.toContain(lazy);
    // Catching the configuration's errors costs no other error class.
    const catching = await measure("root-config-error", `import { create, ConfigError } from "modelmesh";\nexport const check = (config) => { try { return create({ config }); } catch (error) { return error instanceof ConfigError; } };\n`);
    expect(catching.gzipBytes).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(catching.inputs).not.toContain("sdk/src/wire/errors.ts");
    const faq = await measure(
      "root-browser-provider",
      `import { create, BrowserBaseProvider, createBrowserProviderConfig } from "modelmesh";\nconst provider = new BrowserBaseProvider(createBrowserProviderConfig({ baseUrl: "https://api.openai.com", apiKey: "k" }));\nexport const client = create("chat-completion", { providers: [{ connector: "openai", instance: provider }] });\n`,
    );
    expect(faq.inputs).toContain("sdk/src/provider/browser.ts");
    for (const other of ["sdk/src/provider/anthropic/provider.ts", "sdk/src/provider/gemini/provider.ts", "sdk/src/observability/prometheus.ts", "sdk/src/rotation/cost-first.ts", "sdk/src/storage/indexeddb.ts", "sdk/src/core/router.ts"]) {
      expect(faq.inputs, other).not.toContain(other);
    }
  });

  it("ModelMeshError.fromJSON from the root rebuilds every class in a bundle that imports only ModelMeshError (esbuild and Vite)", async () => {
    // The provider errors live in wire/errors.ts, which loads with the mesh; the root's ModelMeshError is declared
    // there, so importing it brings fromJSON's knowledge of every class along, before any mesh has started.
    const source = `import { ModelMeshError } from "modelmesh";
const revived = ModelMeshError.fromJSON({ name: "RateLimitError", code: "rate_limit_exceeded", message: "slow down", retryable: true, providerId: "openai", retryAfter: 7 });
globalThis.outcome = { name: revived.name, retryAfter: revived.retryAfter, providerId: revived.providerId, isMeshError: revived instanceof ModelMeshError, parent: Object.getPrototypeOf(Object.getPrototypeOf(revived)).constructor.name !== "" };
`;
    const run = (code: string) => {
      const scope = createContext({ console, URL, TextEncoder, TextDecoder, AbortController, setTimeout, clearTimeout });
      runInContext(code, scope);
      return (scope as unknown as { outcome: Record<string, unknown> }).outcome;
    };
    const expected = { name: "RateLimitError", retryAfter: 7, providerId: "openai", isMeshError: true };
    const { result } = await bundle(directory, "from-json", source, { splitting: false, format: "iife" });
    expect(run(result.outputFiles[0]!.text)).toMatchObject(expected);
    const viteDirectory = await mkdtemp(join(root, "sdk/test/.vite-bundle-"));
    try {
      const entry = join(viteDirectory, "from-json.js");
      await writeFile(entry, source);
      const chunks = await viteChunks(viteDirectory, entry, false);
      expect(run(chunks[0]!.code)).toMatchObject(expected);
    } finally {
      await rm(viteDirectory, { recursive: true, force: true });
    }
  });

  it("modelmesh (the root) in a Vite app: create + the OpenAI provider by id loads only the client and the configuration check up front; each connector is a chunk fetched when named", async () => {
    // The entry sits inside the repository so that "modelmesh" resolves as an app's import would (the workspace link),
    // from source.
    const directory = await mkdtemp(join(root, "sdk/test/.vite-bundle-"));
    try {
      const entry = join(directory, "app.js");
      await writeFile(entry, `import { create } from "modelmesh";\nexport const client = create("chat-completion", { providers: [{ connector: "openai.llm.v1", config: { apiKey: "k" } }] });\n`);
      const chunks = new Map((await viteChunks(directory, entry, true)).map((chunk) => [chunk.fileName, chunk]));
      const eager = new Set<string>();
      const pending = [[...chunks.values()].find((chunk) => chunk.isEntry)!.fileName];
      while (pending.length > 0) {
        const name = pending.pop()!;
        if (eager.has(name)) continue;
        eager.add(name);
        pending.push(...chunks.get(name)!.imports);
      }
      const modulesOf = (names: Iterable<string>) => [...names].flatMap((name) => Object.keys(chunks.get(name)!.modules).map((path) => relative(root, path)));
      const eagerModules = modulesOf(eager);
      const gzipBytes = [...eager].reduce((sum, name) => sum + gzipSync(chunks.get(name)!.code, { level: 9 }).byteLength, 0);
      expect(gzipBytes).toBeLessThanOrEqual(BUDGET_BYTES);
      // The whole configuration check is up front (a typo throws in create())...
      expect(eagerModules).toContain("sdk/src/core/config.ts");
      // ...but no connector, not the router, not the YAML parser.
      for (const lazy of NEVER_UP_FRONT) expect(eagerModules, lazy).not.toContain(lazy);
      expect(eagerModules.some((path) => path.includes("node_modules/yaml/"))).toBe(false);
      // Each connector is a chunk of its own that an import() reaches.
      const lazyModules = modulesOf([...chunks.keys()].filter((name) => !eager.has(name)));
      for (const module of ["sdk/src/provider/openai.ts", "sdk/src/provider/anthropic/provider.ts", "sdk/src/observability/prometheus.ts", "sdk/src/core/lazy-mesh.ts"]) expect(lazyModules, module).toContain(module);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("modelmesh (the root) in an MV3 worker built by Vite or esbuild with code splitting off: every connector inlined, and the FAQ's extension example answers in a worker-like scope", async () => {
    // An MV3 service worker forbids import(): bundled without splitting, the root's loaders become inlined promises
    // (the only import() calls left take a variable: Node-only paths a worker never runs).
    const directory = await mkdtemp(join(root, "sdk/test/.vite-bundle-"));
    const fake = await startFakeOpenAI({ name: "openai", models: ["gpt-4o-mini"] });
    try {
      const entry = join(directory, "worker.js");
      await writeFile(
        entry,
        `import { create, BrowserBaseProvider, createBrowserProviderConfig } from "modelmesh";
globalThis.run = async (baseUrl) => {
  const provider = new BrowserBaseProvider(createBrowserProviderConfig({ baseUrl, apiKey: "sk-worker-0000000000", models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"] }] }));
  const client = create("chat-completion", { providers: [{ connector: "openai", instance: provider }] });
  const reply = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "from the root in a worker" }] });
  await client.close();
  return reply.choices[0].message.content;
};
`,
      );
      const chunks = await viteChunks(directory, entry, false);
      expect(chunks).toHaveLength(1);
      // esbuild without splitting wraps what an import() reaches in start-up functions; each must still run before
      // the worker's code uses it (it did not when a barrel reached a module only through `export *`).
      const esbuilt = await build({ entryPoints: [entry], bundle: true, minify: true, platform: "browser", format: "iife", write: false, logLevel: "silent", absWorkingDir: root, nodePaths: [join(root, "node_modules")], conditions: ["modelmesh-source"] });
      for (const [bundler, code] of [["vite", chunks[0]!.code], ["esbuild", esbuilt.outputFiles[0]!.text]] as const) {
        expect(code, bundler).not.toMatch(/\bimport\(\s*["'`]/);
        const before = fake.requests.length;
        const scope = createContext({ console, URL, TextEncoder, TextDecoder, AbortController, AbortSignal, Headers, Request, Response, ReadableStream, fetch, setTimeout, clearTimeout, structuredClone, crypto: globalThis.crypto });
        runInContext(code, scope);
        const content = await (scope as unknown as { run: (url: string) => Promise<string> }).run(fake.url);
        expect(content, bundler).toContain("from the root in a worker");
        const chats = fake.requests.slice(before).filter((request) => request.path.endsWith("/chat/completions"));
        expect(chats, bundler).toHaveLength(1);
        expect(chats[0]!.headers.authorization, bundler).toBe("Bearer sk-worker-0000000000");
      }
    } finally {
      await fake.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  describe("modelmesh/static in a service-worker-like scope", () => {
    let fake: FakeOpenAI;
    beforeAll(async () => {
      fake = await startFakeOpenAI({ name: "openai" });
    });
    afterAll(async () => {
      await fake.close();
    });

    it("bundles with no import() and no Node built-in, and answers a chat request through the registered provider", async () => {
      const { result, nodeBuiltins } = await bundle(
        directory,
        "static",
        `import { create, registerConnectors, OpenAIProvider, ConfigError } from "modelmesh/static";
registerConnectors([OpenAIProvider]);
globalThis.run = async (baseUrl) => {
  let unknown = "";
  try { create({ providers: [{ connector: "anthropic" }] }); } catch (error) { unknown = error instanceof ConfigError ? error.path : "wrong class"; }
  const client = create("chat-completion", { providers: [{ connector: "openai", config: { apiKey: "sk-static-0000000000", baseUrl } }] });
  const reply = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "from the worker" }] });
  await client.close();
  return { unknown, content: reply.choices[0].message.content };
};
`,
        { splitting: false, format: "iife" },
      );
      const code = result.outputFiles[0]!.text;
      expect(code).not.toMatch(/\bimport\(/);
      // esbuild inlines an import() when it does not split; a bundler that splits (Vite, Rollup) would emit a chunk and
      // a real import() call. Splitting the same entry must therefore leave none. (esbuild still writes an unused chunk
      // for the YAML parser, whose import() it dropped with the code around it: evanw/esbuild#3252.)
      const split = await bundle(directory, "static-split", `import { create, registerConnectors, OpenAIProvider } from "modelmesh/static";\nregisterConnectors([OpenAIProvider]);\nexport const client = () => create("chat-completion", { providers: ["openai"] });\n`, { splitting: true, format: "esm" });
      for (const file of split.result.outputFiles) expect(file.text, relative(root, file.path)).not.toMatch(/\bimport\(/);
      expect(nodeBuiltins).toEqual([]);
      const shipped = Object.values(result.metafile.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path));
      expect(shipped.some((input) => input.includes("node_modules/yaml/"))).toBe(false);
      expect(shipped).not.toContain("sdk/src/observability/prometheus.ts");
      // What an MV3 service worker has, and none of what it lacks (process, window, document, storage globals).
      const scope = createContext({ console, URL, TextEncoder, TextDecoder, AbortController, AbortSignal, Headers, Request, Response, ReadableStream, fetch, setTimeout, clearTimeout, structuredClone, crypto: globalThis.crypto });
      runInContext(code, scope);
      const outcome = await (scope as unknown as { run: (url: string) => Promise<{ unknown: string; content: string }> }).run(fake.url);
      expect(outcome.unknown).toBe("providers[0].connector");
      expect(outcome.content).toContain("from the worker");
      expect(fake.requests.filter((request) => request.path.endsWith("/chat/completions"))).toHaveLength(1);
      expect(fake.requests[0]!.headers.authorization).toBe("Bearer sk-static-0000000000");
      for (const forbidden of ["process", "window", "document", "localStorage", "indexedDB", "chrome"]) expect(forbidden in scope).toBe(false);
    });
  });
});
