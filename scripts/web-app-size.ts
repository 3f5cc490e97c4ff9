/**
 * The example web app's production bundle by when it loads, gzip -9: up front (index.html's entry and its static
 * imports), at the first request (what `create()` fetches: the mesh, and what it imports), and never for this
 * configuration (the other connectors' and the YAML parser's chunks). Reads Vite's build manifest.
 * `npx tsx scripts/web-app-size.ts [pattern of the chunks create() fetches]` after `npm run build`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const DIST = fileURLToPath(new URL("../examples/web-app/dist/", import.meta.url));

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

/** gzip -9 bytes of a built file. */
function gzipBytes(file: string): number {
  return gzipSync(readFileSync(`${DIST}${file}`), { level: 9 }).byteLength;
}

/** Bytes as built (minified). */
function rawBytes(file: string): number {
  return readFileSync(`${DIST}${file}`).byteLength;
}

/** The chunks a set of keys loads with their static imports. */
function closure(manifest: Record<string, ManifestChunk>, keys: string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...keys];
  while (pending.length > 0) {
    const key = pending.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    pending.push(...(manifest[key]?.imports ?? []));
  }
  return seen;
}

/**
 * Sizes of the three groups, in bytes (gzip -9), with the chunks' source names.
 * @example
 * measureWebApp().upFront.bytes; // e.g. 28000
 */
export function measureWebApp(firstUse: RegExp = /lazy-mesh/) {
  const manifest = JSON.parse(readFileSync(`${DIST}.vite/manifest.json`, "utf8")) as Record<string, ManifestChunk>;
  const entry = Object.keys(manifest).find((key) => manifest[key]!.isEntry)!;
  const upFront = closure(manifest, [entry]);
  const firstKeys = [...upFront].flatMap((key) => manifest[key]!.dynamicImports ?? []).filter((key) => firstUse.test(key));
  const first = new Set([...closure(manifest, firstKeys)].filter((key) => !upFront.has(key)));
  const never = Object.keys(manifest).filter((key) => !upFront.has(key) && !first.has(key));
  const group = (keys: Iterable<string>) => {
    const list = [...keys];
    const css = list.flatMap((key) => manifest[key]!.css ?? []);
    const files = [...list.map((key) => manifest[key]!.file), ...css];
    return { bytes: files.reduce((sum, file) => sum + gzipBytes(file), 0), minified: files.reduce((sum, file) => sum + rawBytes(file), 0), chunks: list.length, css: css.length };
  };
  return { upFront: group(upFront), firstRequest: group(first), never: group(never) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // An optional pattern names the dynamic chunks create() fetches at start (default: the mesh only).
  const sizes = measureWebApp(process.argv[2] ? new RegExp(process.argv[2]) : undefined);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`up front (page load):        ${kb(sizes.upFront.bytes)} gzip (${kb(sizes.upFront.minified)} min) in ${sizes.upFront.chunks} JS chunks + ${sizes.upFront.css} CSS`);
  console.log(`at the first request (mesh): ${kb(sizes.firstRequest.bytes)} gzip (${kb(sizes.firstRequest.minified)} min) in ${sizes.firstRequest.chunks} chunks`);
  console.log(`never fetched here:          ${kb(sizes.never.bytes)} gzip (${kb(sizes.never.minified)} min) in ${sizes.never.chunks} chunks (other connectors, YAML parser)`);
}
