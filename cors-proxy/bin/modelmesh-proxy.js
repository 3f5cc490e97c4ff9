#!/usr/bin/env node
// Runs the proxy CLI: the built bundle (dist/cli.js) when the package is installed, the TypeScript source when it
// runs inside the ModelMesh repository (through tsx, with "modelmesh" resolved to sdk/src, so it is never stale).
import { existsSync } from "node:fs";
import { register } from "node:module";

const source = new URL("../src/cli.ts", import.meta.url);
const built = new URL("../dist/cli.js", import.meta.url);

async function load() {
  if (existsSync(source) && process.env.MODELMESH_PROXY_USE_BUILD !== "1") {
    const { register: registerTsx } = await import("tsx/esm/api");
    registerTsx();
    register("./source-condition.js", import.meta.url);
    return import(source.href);
  }
  if (existsSync(built)) return import(built.href);
  throw new Error("modelmesh-proxy is not built: run `npm run build --workspace cors-proxy`");
}

load().then(
  (cli) => cli.main(),
  (error) => {
    console.error(`modelmesh-proxy: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
