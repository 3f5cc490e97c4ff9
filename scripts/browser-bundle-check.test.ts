import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "vite";
import { bundleEntry, findNodeBuiltinImports, isNodeBuiltin, javascriptFiles } from "./browser-bundle-check.js";

const WEB_APP_CONFIG = fileURLToPath(new URL("../examples/web-app/vite.config.ts", import.meta.url));
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "browser-bundle-check-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function file(path: string, text: string): Promise<string> {
  const full = join(directory, path);
  await mkdir(join(full, ".."), { recursive: true });
  await writeFile(full, text);
  return full;
}

describe("the browser bundle check", () => {
  it("names every Node built-in a built file imports, in every form a bundle holds it", async () => {
    const files = [
      await file("dist/a.js", `import{readFileSync as r}from"node:fs";export const a=()=>r("x");`),
      await file("dist/b.js", 'export*from"path";const c=require("crypto");export const d=async()=>(await import(`node:http`)).get;'),
      await file("dist/nested/c.mjs", `export const e=()=>import("fs/promises");`),
      await file("dist/clean.js", `import{x}from"./chunk.js";const name="node:"+"fs";export const f=()=>import(name);export const g=x;`),
    ];
    expect(await javascriptFiles(join(directory, "dist"))).toEqual([...files].sort());
    const found = await findNodeBuiltinImports(files);
    expect(found.map((item) => [item.file.split("/").slice(-2).join("/"), item.kind, item.specifier]).sort()).toEqual(
      [
        ["dist/a.js", "import-statement", "node:fs"],
        ["dist/b.js", "import-statement", "path"],
        ["dist/b.js", "require-call", "crypto"],
        ["dist/b.js", "dynamic-import", "node:http"],
        ["nested/c.mjs", "dynamic-import", "fs/promises"],
      ].sort(),
    );
  });

  it("tells built-ins from look-alike package and file names", () => {
    for (const name of ["node:fs", "fs", "fs/promises", "path", "crypto", "http", "node:test", "stream/web"]) expect(isNodeBuiltin(name), name).toBe(true);
    for (const name of ["./fs.js", "fs-extra", "pathe", "crypto-js", "@scope/http", "modelmesh"]) expect(isNodeBuiltin(name), name).toBe(false);
  });

  it("bundling a package entry keeps a Node built-in it reaches visible in the output", async () => {
    await file("app/node_modules/leaky/package.json", JSON.stringify({ name: "leaky", type: "module", exports: { "./lazy": "./lazy.js" } }));
    await file("app/node_modules/leaky/lazy.js", `export const load = () => import("./inner.js");`);
    await file("app/node_modules/leaky/inner.js", `import { readFile } from "node:fs/promises";\nexport const read = (path) => readFile(path, "utf8");`);
    const { builtins } = await bundleEntry("leaky/lazy", { root: join(directory, "app") });
    expect(builtins.map((item) => [item.kind, item.specifier])).toEqual([["import-statement", "node:fs/promises"]]);
  });

  it("the web app's Vite build refuses a node:fs import instead of stubbing it", async () => {
    const root = join(directory, "page");
    await file("page/index.html", `<!doctype html><script type="module" src="/main.ts"></script>`);
    await file("page/main.ts", `import { readFileSync } from "node:fs";\nconsole.log(readFileSync);\n`);
    await expect(build({ configFile: WEB_APP_CONFIG, root, logLevel: "silent", build: { write: false, outDir: join(root, "dist") } })).rejects.toThrow(/"node:fs" is a Node built-in and cannot be in a browser bundle/);
    await writeFile(join(root, "main.ts"), `console.log("clean");\n`);
    await expect(build({ configFile: WEB_APP_CONFIG, root, logLevel: "silent", build: { write: false, outDir: join(root, "dist") } })).resolves.toBeDefined();
  });
});
