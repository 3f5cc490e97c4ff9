import { execFile } from "node:child_process";
import { builtinModules } from "node:module";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { Metafile, OutputFile, Plugin } from "esbuild";
import { build as viteBuild, version as viteVersion, type Rolldown } from "vite";

// What a web page ships for "create + the OpenAI provider named by its id", next to what it ships for the official
// client's chat.completions.create. Every entry is bundled in this run with the same esbuild settings, so the ratio is
// fair even when esbuild or the machine changes. The modelmesh entries resolve against the BUILT package (exports map
// `default` -> dist), which is what an app's bundler sees after `npm install modelmesh`.
// Three numbers per modelmesh entry: up front (the entry chunk and its static imports: what loads before the page
// runs), first call (plus what create() fetches for this configuration: the mesh and the connectors it names), and
// the other lazy chunks (connectors the configuration does not name, the YAML parser), which are never fetched.

/** One printed line of a benchmark: a label, its value (a ratio, a size, a yes/no) and the goal it is held to. */
export interface BenchRow {
  section: string;
  name: string;
  value: string;
  /** e.g. "≤ 1.00"; empty when the row is context only */
  goal?: string;
  /** undefined when the row has no goal */
  pass?: boolean;
}

/** The size budget from the house rules: `create` + the OpenAI provider, min+gzip. */
export const BUNDLE_BUDGET_BYTES = 15 * 1024;

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const SECTION = "bundle size (esbuild --bundle --minify --format=esm --platform=browser --splitting, gzip -9)";

/** One bundle to measure: its source, and the modules create() loads at start for the configuration it names. */
interface Scenario {
  name: string;
  source: string;
  /** source files (suffixes) whose lazy chunks the first call fetches */
  firstUse: string[];
  goal?: boolean;
}

const MESH = "core/lazy-mesh.js";
const SCENARIOS: Scenario[] = [
  {
    name: "modelmesh/lazy create + openai by id",
    source: `import { create } from "modelmesh/lazy";
export const client = create("chat-completion", { providers: [{ connector: "openai.llm.v1", config: { apiKey: "k" } }] });
`,
    firstUse: [MESH, "provider/openai.js"],
    goal: true,
  },
  {
    name: "modelmesh/lazy create + openai-compatible",
    source: `import { create } from "modelmesh/lazy";
export const client = create("chat-completion", { providers: [{ connector: "openai-compatible", config: { baseUrl: "http://127.0.0.1:1/v1", models: [{ id: "m" }] } }] });
`,
    firstUse: [MESH, "provider/openai-compatible.js"],
  },
  {
    name: "modelmesh create + openai by id (root entry)",
    source: `import { create } from "modelmesh";
export const client = create("chat-completion", { providers: ["openai"] });
`,
    firstUse: [MESH, "provider/openai.js"],
    goal: true,
  },
  {
    name: "modelmesh full surface (import * from root)",
    source: `import * as modelmesh from "modelmesh";
globalThis.modelmesh = modelmesh;
`,
    firstUse: [],
  },
];

const OPENAI_ENTRY = `import OpenAI from "openai";
export const client = new OpenAI({ apiKey: "k", dangerouslyAllowBrowser: true });
export const call = () => client.chat.completions.create({ model: "x", messages: [] });
`;

/** What an MV3 service worker bundles: the static entry, no code splitting (import() is forbidden there). */
const STATIC_ENTRY = `import { create, registerConnectors, OpenAIProvider } from "modelmesh/static";
registerConnectors([OpenAIProvider]);
export const client = create("chat-completion", { providers: [{ connector: "openai", config: { apiKey: "k" } }] });
`;

interface BundleMeasure {
  /** entry chunk plus every chunk it imports statically */
  minBytes: number;
  gzipBytes: number;
  /** up front plus the chunks create() fetches for the configuration (the mesh, the named connectors) */
  firstMinBytes: number;
  firstGzipBytes: number;
  /** `import(` calls left in the output (the static entry must have none) */
  dynamicImports: number;
  /** chunks reachable only through import() (e.g. the YAML parser), min and gz summed */
  lazyMinBytes: number;
  lazyGzipBytes: number;
  lazyChunks: number;
  /** what the lazy chunks hold: the package (or file) contributing most to each */
  lazyContents: string[];
  /** Node built-ins the bundle asked for (marked external so the build can report them instead of failing) */
  nodeBuiltins: string[];
  /** input files by bytes contributed to the statically loaded chunks */
  topInputs: Array<{ path: string; bytes: number }>;
}

/**
 * Builds the SDK, bundles both entries and reports sizes as ratios: modelmesh/openai and modelmesh/budget.
 *
 * @example
 * const rows = await bundleSize();
 */
export async function bundleSize(): Promise<BenchRow[]> {
  await buildSdk();
  const directory = await mkdtemp(join(tmpdir(), "modelmesh-bench-"));
  try {
    const measured: Array<[Scenario, BundleMeasure]> = [];
    for (const [index, scenario] of SCENARIOS.entries()) measured.push([scenario, await measureBundle(directory, `modelmesh-${index}.js`, scenario.source, scenario.firstUse)]);
    const openai = await measureBundle(directory, "openai-entry.js", OPENAI_ENTRY, []);
    const serviceWorker = await measureBundle(directory, "static-entry.js", STATIC_ENTRY, [], false);
    return [...sizeRows(measured, openai, serviceWorker, await installedVersion("openai")), ...(await viteRows()), ...(await extensionRows(directory))];
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function buildSdk(): Promise<void> {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  try {
    await promisify(execFile)(npm, ["run", "build", "--workspace", "sdk"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build --workspace sdk failed:\n${output.stdout ?? ""}${output.stderr ?? ""}`, { cause: error });
  }
}

async function measureBundle(directory: string, fileName: string, source: string, firstUse: string[], splitting = true): Promise<BundleMeasure> {
  const entry = join(directory, fileName);
  await writeFile(entry, source);
  const builtins: string[] = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    splitting,
    outdir: join(directory, `out-${fileName}`),
    write: false,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: ROOT,
    // The entry lives in a temp folder; packages resolve from the workspace's node_modules, as an app's would.
    nodePaths: [join(ROOT, "node_modules")],
    plugins: [recordNodeBuiltins(builtins)],
  });
  return measureOutputs(result.metafile, result.outputFiles, relative(ROOT, entry), builtins, firstUse);
}

const VITE_SECTION = `bundle size with Vite ${viteVersion} (vite build: Rolldown, code splitting, minify; gzip -9)`;

/** The same apps built by Vite (Rolldown), the bundler most web apps use. */
const VITE_SCENARIOS: Scenario[] = [
  { ...SCENARIOS[2]!, source: SCENARIOS[0]!.source.replace('"modelmesh/lazy"', '"modelmesh"'), name: "modelmesh create + openai by id (root entry)", firstUse: [MESH, "provider/openai.js"], goal: true },
  { ...SCENARIOS[0]!, goal: false },
];

async function viteRows(): Promise<BenchRow[]> {
  // Vite resolves "modelmesh" from the entry's folder upwards: the entry sits in the repository (bench/.build is ignored).
  await mkdir(join(ROOT, "bench/.build"), { recursive: true });
  const directory = await mkdtemp(join(ROOT, "bench/.build/vite-"));
  try {
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const rows: BenchRow[] = [];
    for (const [index, scenario] of VITE_SCENARIOS.entries()) {
      const measure = await measureVite(directory, `app-${index}.js`, scenario.source, scenario.firstUse);
      rows.push(
        { section: VITE_SECTION, name: `${scenario.name}: up front`, value: `${kb(measure.eager.minBytes)} min, ${kb(measure.eager.gzipBytes)} gz` },
        { section: VITE_SECTION, name: `${scenario.name}: up front + first call`, value: `${kb(measure.first.minBytes)} min, ${kb(measure.first.gzipBytes)} gz` },
        { section: VITE_SECTION, name: `${scenario.name}: connectors up front`, value: measure.eagerConnectors.length === 0 ? "none" : measure.eagerConnectors.join(", "), goal: "none", pass: measure.eagerConnectors.length === 0 },
      );
      if (scenario.goal) {
        rows.push({ section: VITE_SECTION, name: `${scenario.name}: up front gz / 15 KB budget`, value: ratio(measure.eager.gzipBytes / BUNDLE_BUDGET_BYTES), goal: "≤ 1.00", pass: measure.eager.gzipBytes <= BUNDLE_BUDGET_BYTES });
      }
    }
    return rows;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function measureVite(directory: string, fileName: string, source: string, firstUse: string[]) {
  const entry = join(directory, fileName);
  await writeFile(entry, source);
  const built = await viteBuild({ configFile: false, logLevel: "silent", root: directory, build: { write: false, minify: true, rolldownOptions: { input: entry, preserveEntrySignatures: "exports-only" } } });
  const output = (Array.isArray(built) ? built[0]! : (built as Rolldown.RolldownOutput)).output;
  const chunks = new Map(output.filter((file): file is Rolldown.OutputChunk => file.type === "chunk").map((chunk) => [chunk.fileName, chunk]));
  const closure = (roots: string[]) => staticClosure(roots, (name) => chunks.get(name)!.imports);
  const entryChunk = [...chunks.values()].find((chunk) => chunk.isEntry)!.fileName;
  const eager = closure([entryChunk]);
  const firstRoots = [...chunks.values()].filter((chunk) => firstUse.some((suffix) => chunk.facadeModuleId?.endsWith(suffix))).map((chunk) => chunk.fileName);
  const sizeOf = (names: Set<string>) => {
    let minBytes = 0;
    let gzipBytes = 0;
    for (const name of names) {
      const code = chunks.get(name)!.code;
      minBytes += Buffer.byteLength(code);
      gzipBytes += gzipSync(code, { level: 9 }).byteLength;
    }
    return { minBytes, gzipBytes };
  };
  // A connector is a file under provider/, rotation/, secrets/, storage/, observability/ or discovery/ of the package.
  const eagerConnectors = [...eager]
    .flatMap((name) => Object.keys(chunks.get(name)!.modules))
    .filter((path) => /sdk\/dist\/(provider|rotation|secrets|storage|observability|discovery)\//.test(path))
    .map((path) => relative(join(ROOT, "sdk/dist"), path));
  return { eager: sizeOf(eager), first: sizeOf(closure([entryChunk, ...firstRoots])), eagerConnectors };
}

/** Some chunks and every chunk they import statically, transitively: what a page downloads with them. */
function staticClosure(roots: string[], importsOf: (chunk: string) => readonly string[]): Set<string> {
  const found = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const chunk = pending.pop()!;
    if (found.has(chunk)) continue;
    found.add(chunk);
    pending.push(...importsOf(chunk));
  }
  return found;
}

/** Marks Node built-ins external and records them, so a stray `node:` import is reported rather than failing the build. */
function recordNodeBuiltins(found: string[]): Plugin {
  const names = new Set(builtinModules);
  return {
    name: "record-node-builtins",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
        if (!args.path.startsWith("node:") && !names.has(bare.split("/")[0] ?? "")) return undefined;
        found.push(`${args.path} (from ${relative(ROOT, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
}

function measureOutputs(metafile: Metafile, files: OutputFile[], entryInput: string, builtins: string[], firstUse: string[]): BundleMeasure {
  const outputs = metafile.outputs;
  const entryOutput = Object.keys(outputs).find((path) => outputs[path]?.entryPoint === entryInput);
  if (!entryOutput) throw new Error(`esbuild produced no output for ${entryInput}`);

  const closure = (roots: string[]) =>
    staticClosure(roots, (path) => (outputs[path]?.imports ?? []).filter((imported) => imported.kind === "import-statement" && !imported.external && outputs[imported.path]).map((imported) => imported.path));
  const eager = closure([entryOutput]);
  // Dynamic-import chunks are entry points of their own: the first call fetches those of the mesh and the named connectors.
  const firstRoots = Object.keys(outputs).filter((path) => firstUse.some((suffix) => outputs[path]?.entryPoint?.endsWith(suffix)));
  const first = closure([entryOutput, ...firstRoots]);

  const contents = new Map<string, Uint8Array>();
  for (const file of files) contents.set(relative(ROOT, file.path), file.contents);
  const sizeOf = (paths: string[]) => {
    let minBytes = 0;
    let gzipBytes = 0;
    for (const path of paths) {
      const bytes = contents.get(path);
      if (!bytes) throw new Error(`esbuild output ${path} missing from outputFiles`);
      minBytes += bytes.byteLength;
      gzipBytes += gzipSync(bytes, { level: 9 }).byteLength;
    }
    return { minBytes, gzipBytes };
  };

  const jsOutputs = Object.keys(outputs).filter((path) => path.endsWith(".js"));
  const lazy = jsOutputs.filter((path) => !eager.has(path));
  const eagerSize = sizeOf([...eager]);
  const firstSize = sizeOf([...first]);
  const lazySize = sizeOf(lazy);
  const dynamicImports = jsOutputs.reduce((count, path) => count + (new TextDecoder().decode(contents.get(path)).match(/\bimport\(/g)?.length ?? 0), 0);

  const byInput = new Map<string, number>();
  for (const path of eager) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[path]?.inputs ?? {})) {
      byInput.set(input, (byInput.get(input) ?? 0) + bytesInOutput);
    }
  }
  // A builtin that slipped past the plugin (it should not) would still show up as an input or external import.
  for (const [input, details] of Object.entries(metafile.inputs)) {
    if (input.startsWith("node:")) builtins.push(input);
    for (const imported of details.imports) {
      if (imported.path.startsWith("node:") && !builtins.some((entry) => entry.startsWith(imported.path))) builtins.push(`${imported.path} (from ${input})`);
    }
  }

  return {
    ...eagerSize,
    firstMinBytes: firstSize.minBytes,
    firstGzipBytes: firstSize.gzipBytes,
    dynamicImports,
    lazyMinBytes: lazySize.minBytes,
    lazyGzipBytes: lazySize.gzipBytes,
    lazyChunks: lazy.length,
    lazyContents: lazy.map((path) => largestSource(outputs[path]?.inputs ?? {})),
    nodeBuiltins: [...new Set(builtins)],
    topInputs: [...byInput.entries()]
      .map(([path, bytes]) => ({ path, bytes }))
      .sort((left, right) => right.bytes - left.bytes)
      .slice(0, 10),
  };
}

/** The npm package a chunk mostly comes from (`yaml`), or its largest file when that is not a package. */
function largestSource(inputs: Record<string, { bytesInOutput: number }>): string {
  const bySource = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const source = match?.[1] ?? path;
    bySource.set(source, (bySource.get(source) ?? 0) + bytesInOutput);
  }
  return [...bySource.entries()].sort((left, right) => right[1] - left[1])[0]?.[0] ?? "?";
}

async function installedVersion(name: string): Promise<string> {
  try {
    const manifest = JSON.parse(await readFile(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version?: string };
    return manifest.version ?? "?";
  } catch {
    return "?";
  }
}

function sizeRows(measured: Array<[Scenario, BundleMeasure]>, openai: BundleMeasure, serviceWorker: BundleMeasure, openaiVersion: string): BenchRow[] {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const both = (min: number, gzip: number) => `${kb(min)} min, ${kb(gzip)} gz`;
  const rows: BenchRow[] = [];
  for (const [scenario, mesh] of measured) {
    rows.push(
      { section: SECTION, name: `${scenario.name}: up front`, value: both(mesh.minBytes, mesh.gzipBytes) },
      { section: SECTION, name: `${scenario.name}: up front + first call`, value: both(mesh.firstMinBytes, mesh.firstGzipBytes) },
      { section: SECTION, name: `${scenario.name}: lazy, ${mesh.lazyChunks} chunk(s)`, value: both(mesh.lazyMinBytes, mesh.lazyGzipBytes) },
    );
  }
  const [goalScenario, goalMesh] = measured.find(([scenario]) => scenario.goal)!;
  const builtins = [...measured.map(([, mesh]) => mesh), serviceWorker].flatMap((mesh) => mesh.nodeBuiltins);
  rows.push(
    { section: SECTION, name: `openai ${openaiVersion} chat.completions.create (eager)`, value: both(openai.minBytes, openai.gzipBytes) },
    { section: SECTION, name: "modelmesh/static + OpenAIProvider, no splitting (MV3 worker)", value: both(serviceWorker.minBytes, serviceWorker.gzipBytes) },
  );
  for (const [scenario, mesh] of measured.filter(([candidate]) => candidate.goal)) {
    rows.push(
      { section: SECTION, name: `${scenario.name}: up front / openai (gz)`, value: ratio(mesh.gzipBytes / openai.gzipBytes) },
      { section: SECTION, name: `${scenario.name}: first call / openai (gz)`, value: ratio(mesh.firstGzipBytes / openai.gzipBytes) },
      {
        section: SECTION,
        name: `${scenario.name}: up front gz / 15 KB budget`,
        value: ratio(mesh.gzipBytes / BUNDLE_BUDGET_BYTES),
        goal: "≤ 1.00",
        pass: mesh.gzipBytes <= BUNDLE_BUDGET_BYTES,
      },
    );
  }
  rows.push(
    {
      section: SECTION,
      name: "import( calls in the modelmesh/static worker bundle",
      value: String(serviceWorker.dynamicImports),
      goal: "0",
      pass: serviceWorker.dynamicImports === 0,
    },
    {
      section: SECTION,
      name: "Node built-ins in the modelmesh browser bundles",
      value: builtins.length === 0 ? "none" : [...new Set(builtins)].join(", "),
      goal: "none",
      pass: builtins.length === 0,
    },
  );
  const topSection = `${goalScenario.name}: top inputs of the up-front chunks by minified bytes (where size work pays)`;
  for (const input of goalMesh.topInputs) {
    rows.push({
      section: topSection,
      name: input.path,
      value: `${kb(input.bytes)} (${((100 * input.bytes) / goalMesh.minBytes).toFixed(1)} %)`,
    });
  }
  return rows;
}

function ratio(value: number): string {
  return value.toFixed(2);
}

/** The page client's budget (gzip). */
export const PAGE_CLIENT_BUDGET_BYTES = 3 * 1024;

/** The whole `modelmesh/extension` surface, as a page that imports all of it would bundle it. */
const PAGE_CLIENT_ENTRY = `import * as extension from "modelmesh/extension";
globalThis.modelmeshExtension = extension;
`;

/**
 * The extension's two size lines, measured only when their files exist (they are built on other branches): the
 * `modelmesh/extension` page client (esbuild, as a page bundles it) and the built extension's service worker
 * (`extension/dist`: the file the manifest names and every file it imports statically, each gzipped). Otherwise
 * the row says "not built".
 */
async function extensionRows(directory: string): Promise<BenchRow[]> {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const rows: BenchRow[] = [];
  const pageClientSource = join(ROOT, "sdk/dist/extension-client/index.js");
  if (await exists(pageClientSource)) {
    const page = await measureBundle(directory, "extension-page-client.js", PAGE_CLIENT_ENTRY, []);
    rows.push({ section: SECTION, name: "modelmesh/extension page client (whole surface): up front gz", value: `${kb(page.minBytes)} min, ${kb(page.gzipBytes)} gz`, goal: "≤ 3.0 KB gz", pass: page.gzipBytes <= PAGE_CLIENT_BUDGET_BYTES });
  } else {
    rows.push({ section: SECTION, name: "modelmesh/extension page client", value: "not built" });
  }
  const worker = await builtServiceWorker(join(ROOT, "extension/dist"));
  rows.push(
    worker
      ? { section: SECTION, name: `extension service worker (extension/dist/${worker.entry} + ${worker.files - 1} static import(s))`, value: `${kb(worker.bytes)} min, ${kb(worker.gzipBytes)} gz; import( calls: ${worker.dynamicImports}` }
      : { section: SECTION, name: "extension service worker (extension/dist)", value: "not built" },
  );
  return rows;
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}

/** The service worker the built manifest names, with the files it imports statically (relative imports only). */
async function builtServiceWorker(dist: string): Promise<{ entry: string; files: number; bytes: number; gzipBytes: number; dynamicImports: number } | undefined> {
  let manifest: { background?: { service_worker?: string } };
  try {
    manifest = JSON.parse(await readFile(join(dist, "manifest.json"), "utf8")) as typeof manifest;
  } catch {
    return undefined;
  }
  const entry = manifest.background?.service_worker;
  if (!entry) return undefined;
  const seen = new Set<string>();
  const pending = [join(dist, entry)];
  let bytes = 0;
  let gzipBytes = 0;
  let dynamicImports = 0;
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const contents = await readFile(path);
    bytes += contents.byteLength;
    gzipBytes += gzipSync(contents, { level: 9 }).byteLength;
    const text = contents.toString("utf8");
    dynamicImports += text.match(/\bimport\(/g)?.length ?? 0;
    for (const match of text.matchAll(/(?:\bimport|\bexport)\s*(?:[^'"()]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+|\/[^"']+)["']/g)) {
      const target = match[1]!.startsWith("/") ? join(dist, match[1]!) : resolve(join(path, ".."), match[1]!);
      pending.push(target);
    }
  }
  return { entry, files: seen.size, bytes, gzipBytes, dynamicImports };
}
