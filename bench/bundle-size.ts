import { execFile } from "node:child_process";
import { builtinModules } from "node:module";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { Metafile, OutputFile, Plugin } from "esbuild";

// What a web page ships for "create + the OpenAI provider", next to what it ships for the official client's
// chat.completions.create. Both are bundled in this run with the same esbuild settings, so the ratio is fair even
// when esbuild or the machine changes. The modelmesh entry is resolved against the BUILT package (exports map
// `default` -> dist), which is what an app's bundler sees after `npm install modelmesh`.

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

const MODELMESH_ENTRY = `import { create, OpenAIProvider } from "modelmesh";
export const client = create("chat-completion", { providers: [{ instance: new OpenAIProvider({ apiKey: "k" }) }] });
`;

const OPENAI_ENTRY = `import OpenAI from "openai";
export const client = new OpenAI({ apiKey: "k", dangerouslyAllowBrowser: true });
export const call = () => client.chat.completions.create({ model: "x", messages: [] });
`;

interface BundleMeasure {
  /** entry chunk plus every chunk it imports statically */
  minBytes: number;
  gzipBytes: number;
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
    const mesh = await measureBundle(directory, "modelmesh-entry.js", MODELMESH_ENTRY);
    const openai = await measureBundle(directory, "openai-entry.js", OPENAI_ENTRY);
    return sizeRows(mesh, openai, await installedVersion("openai"));
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

async function measureBundle(directory: string, fileName: string, source: string): Promise<BundleMeasure> {
  const entry = join(directory, fileName);
  await writeFile(entry, source);
  const builtins: string[] = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    splitting: true,
    outdir: join(directory, "out"),
    write: false,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: ROOT,
    // The entry lives in a temp folder; packages resolve from the workspace's node_modules, as an app's would.
    nodePaths: [join(ROOT, "node_modules")],
    plugins: [recordNodeBuiltins(builtins)],
  });
  return measureOutputs(result.metafile, result.outputFiles, relative(ROOT, entry), builtins);
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

function measureOutputs(metafile: Metafile, files: OutputFile[], entryInput: string, builtins: string[]): BundleMeasure {
  const outputs = metafile.outputs;
  const entryOutput = Object.keys(outputs).find((path) => outputs[path]?.entryPoint === entryInput);
  if (!entryOutput) throw new Error(`esbuild produced no output for ${entryInput}`);

  // Static closure of the entry chunk: what a page downloads before the first call.
  const eager = new Set<string>();
  const pending = [entryOutput];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (eager.has(path)) continue;
    eager.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external && outputs[imported.path]) pending.push(imported.path);
    }
  }

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
  const lazySize = sizeOf(lazy);

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

function sizeRows(mesh: BundleMeasure, openai: BundleMeasure, openaiVersion: string): BenchRow[] {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const rows: BenchRow[] = [
    { section: SECTION, name: "modelmesh create + OpenAIProvider (eager)", value: `${kb(mesh.minBytes)} min, ${kb(mesh.gzipBytes)} gz` },
    {
      section: SECTION,
      name: "modelmesh lazy chunks (dynamic import only)",
      value: `${mesh.lazyChunks} chunk(s) [${mesh.lazyContents.join(", ")}], ${kb(mesh.lazyMinBytes)} min, ${kb(mesh.lazyGzipBytes)} gz`,
    },
    { section: SECTION, name: `openai ${openaiVersion} chat.completions.create (eager)`, value: `${kb(openai.minBytes)} min, ${kb(openai.gzipBytes)} gz` },
    { section: SECTION, name: "modelmesh / openai (min)", value: ratio(mesh.minBytes / openai.minBytes) },
    { section: SECTION, name: "modelmesh / openai (gz)", value: ratio(mesh.gzipBytes / openai.gzipBytes) },
    {
      section: SECTION,
      name: "modelmesh gz / 15 KB budget",
      value: ratio(mesh.gzipBytes / BUNDLE_BUDGET_BYTES),
      goal: "≤ 1.00",
      pass: mesh.gzipBytes <= BUNDLE_BUDGET_BYTES,
    },
    {
      section: SECTION,
      name: "Node built-ins in the modelmesh browser bundle",
      value: mesh.nodeBuiltins.length === 0 ? "none" : mesh.nodeBuiltins.join(", "),
      goal: "none",
      pass: mesh.nodeBuiltins.length === 0,
    },
  ];
  const topSection = "modelmesh eager bundle: top 10 inputs by minified bytes (where size work pays)";
  for (const input of mesh.topInputs) {
    rows.push({
      section: topSection,
      name: input.path,
      value: `${kb(input.bytes)} (${((100 * input.bytes) / mesh.minBytes).toFixed(1)} %)`,
    });
  }
  return rows;
}

function ratio(value: number): string {
  return value.toFixed(2);
}
