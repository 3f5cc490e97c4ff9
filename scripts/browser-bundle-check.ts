/**
 * The check that no Node built-in (`node:fs`, `fs`, `path`, `crypto`, `http`, ...) reaches a browser bundle. Each
 * built JavaScript file is parsed by esbuild (not searched with a pattern), so every module edge counts the way a
 * browser or another bundler would see it: `import`, `export ... from`, `import()` with a literal (minifiers fold
 * `const name = "node:fs"; import(name)` into one), and `require()`.
 * Run after `npm run build`: `tsx scripts/browser-bundle-check.ts` (npm test does), or use the functions in tests.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type OutputFile, type Plugin } from "esbuild";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** One module edge from a browser file to a Node built-in. */
export interface BuiltinImport {
  file: string;
  specifier: string;
  /** esbuild's import kind: "import-statement", "dynamic-import", "require-call", ... */
  kind: string;
}

/**
 * True for a Node built-in module name in any spelling a bundle may hold: `node:fs`, `fs`, `fs/promises`,
 * `node:test` (only reachable with the prefix).
 * @example
 * isNodeBuiltin("fs/promises"); // true
 * isNodeBuiltin("./fs.js"); // false
 */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || isBuiltin(specifier);
}

/** Records every import of each entry, builtin or not, without reading anything but the entries themselves. */
function recordImports(found: Array<{ importer: string; specifier: string; kind: string }>): Plugin {
  return {
    name: "record-imports",
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        found.push({ importer: args.importer, specifier: args.path, kind: args.kind });
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Every import of a Node built-in in the given JavaScript files (each parsed on its own, nothing followed).
 * @example
 * await findNodeBuiltinImports(["examples/web-app/dist/assets/index-abc.js"]); // [] when clean
 */
export async function findNodeBuiltinImports(files: string[]): Promise<BuiltinImport[]> {
  if (files.length === 0) return [];
  const found: Array<{ importer: string; specifier: string; kind: string }> = [];
  await build({
    entryPoints: files,
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    outdir: join(ROOT, ".browser-bundle-check"),
    logLevel: "silent",
    plugins: [recordImports(found)],
  });
  return found.filter((item) => isNodeBuiltin(item.specifier)).map((item) => ({ file: relative(ROOT, item.importer), specifier: item.specifier, kind: item.kind }));
}

/** Every `.js`/`.mjs` file under a folder (recursively); empty when the folder does not exist. */
export async function javascriptFiles(folder: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(folder, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return entries.filter((entry) => entry.isFile() && /\.m?js$/.test(entry.name)).map((entry) => join(entry.parentPath, entry.name)).sort();
}

/** Scans esbuild's in-memory output files (written to a scratch folder, so they are parsed exactly like built ones). */
async function scanOutputs(outputs: OutputFile[], directory: string): Promise<BuiltinImport[]> {
  const scratch = await mkdtemp(join(tmpdir(), "modelmesh-bundle-check-"));
  try {
    const files: string[] = [];
    for (const output of outputs.filter((file) => file.path.endsWith(".js"))) {
      const path = join(scratch, relative(directory, output.path));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, output.contents);
      files.push(path);
    }
    const found = await findNodeBuiltinImports(files);
    return found.map((item) => ({ ...item, file: `${relative(ROOT, directory)}/${relative(scratch, resolve(ROOT, item.file))}` }));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * What an app's bundler makes of a `modelmesh` entry from the BUILT package (exports `default` -> dist): esbuild,
 * browser platform, minified, lazy chunks split out. A Node built-in met on the way stays in the output as an
 * external import (never silently dropped), so the scan of the output names it.
 * @example
 * await bundleEntry("modelmesh/static"); // [] when the entry is browser-clean
 */
export async function bundleEntry(entry: string, options: { root?: string } = {}): Promise<{ files: number; builtins: BuiltinImport[] }> {
  const root = options.root ?? ROOT;
  const directory = join(root, ".browser-bundle-check", entry.replace(/[^a-z0-9]+/gi, "-"));
  const result = await build({
    stdin: { contents: `export * from ${JSON.stringify(entry)};\n`, resolveDir: root, loader: "js" },
    bundle: true,
    splitting: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    outdir: directory,
    logLevel: "silent",
    absWorkingDir: root,
    plugins: [
      {
        name: "keep-node-builtins-visible",
        setup(builder) {
          builder.onResolve({ filter: /.*/ }, (args) => (isNodeBuiltin(args.path) ? { path: args.path, external: true } : undefined));
        },
      },
    ],
  });
  return { files: result.outputFiles.filter((file) => file.path.endsWith(".js")).length, builtins: await scanOutputs(result.outputFiles, directory) };
}

/** The browser bundles this repository builds, and where each comes from. */
export const BROWSER_BUNDLES = {
  webApp: join(ROOT, "examples/web-app/dist"),
  extension: join(ROOT, "extension/dist"),
  entries: ["modelmesh/lazy", "modelmesh/static"],
};

function describe(findings: BuiltinImport[]): string {
  return findings.map((item) => `  ${item.file}: ${item.kind} "${item.specifier}"`).join("\n");
}

async function main(): Promise<void> {
  let failed = false;
  const report = (name: string, files: number, findings: BuiltinImport[]) => {
    if (findings.length > 0) failed = true;
    console.log(findings.length === 0 ? `ok   ${name}: ${files} JavaScript files, no Node built-in` : `FAIL ${name}: Node built-ins reach the browser bundle:\n${describe(findings)}`);
  };
  const webApp = await javascriptFiles(BROWSER_BUNDLES.webApp);
  if (webApp.length === 0) {
    console.log(`FAIL web app: no build in ${relative(ROOT, BROWSER_BUNDLES.webApp)} (run npm run build first)`);
    failed = true;
  } else {
    report("web app (examples/web-app/dist)", webApp.length, await findNodeBuiltinImports(webApp));
  }
  for (const entry of BROWSER_BUNDLES.entries) {
    const { files, builtins } = await bundleEntry(entry);
    report(`${entry} (esbuild, browser, from sdk/dist)`, files, builtins);
  }
  const extension = await javascriptFiles(BROWSER_BUNDLES.extension);
  if (extension.length === 0) console.log("skip extension: extension/dist is not built (no extension build in this checkout)");
  else report("extension (extension/dist)", extension.length, await findNodeBuiltinImports(extension));
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
