/**
 * Using ModelMesh from another project, as README describes: the SDK packed with `npm pack`, installed from the
 * tarball into a fresh folder outside the repository (no registry: its dependencies, and theirs, are packed from this
 * workspace's node_modules and installed with `--offline`), imported by plain Node, and a routed
 * request sent to a fake OpenAI. The same script hands that client to the *built* proxy, which bundles its own copy
 * of the SDK: errors from the installed copy must still get their proper status (400, 429), which only works because
 * the proxy classifies errors by name, never with `instanceof` across copies.
 *
 * The SDK is compiled here with esbuild (transpile only: the JavaScript `npm run build --workspace sdk` emits, without
 * the type check, which takes 10-20 s on this 2-core machine); `sdk/test/package.test.ts` covers the tsc build itself.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "modelmesh-install-"));
let fake: FakeOpenAI;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/**
 * The folders in this workspace's node_modules of `names` and of everything they depend on (dependencies and the
 * optional ones that are installed), each once: packing them all lets the fresh project install with `--offline`
 * whatever the npm cache holds. A nested copy (`node_modules/a/node_modules/b`) wins over the top-level one, as
 * Node resolves it.
 */
function dependencyFolders(names: string[]): string[] {
  const folders = new Map<string, string>();
  const visit = (name: string, from: string) => {
    const candidates = [join(from, "node_modules", name), join(root, "node_modules", name)];
    const folder = candidates.find((candidate) => {
      try {
        readFileSync(join(candidate, "package.json"));
        return true;
      } catch {
        return false;
      }
    });
    if (!folder || folders.has(name)) return;
    folders.set(name, folder);
    const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(dependency, folder);
  };
  for (const name of names) visit(name, root);
  return [...folders.values()];
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ name: "installed", models: ["gpt-4o", "gpt-4o-mini", "o3-mini", "text-embedding-3-small"] });
});
afterAll(async () => {
  await fake.close();
  rmSync(work, { recursive: true, force: true });
});

describe("ModelMesh installed in another project", () => {
  it("installs from a packed tarball, routes a request from plain Node, and errors keep their status in the built proxy", async () => {
    // 1. The package folder: sdk/package.json and the compiled sdk/src, as `npm run build --workspace sdk` lays it out.
    const packageFolder = join(work, "modelmesh");
    const sources = join(root, "sdk/src");
    await build({ entryPoints: sourceFiles(sources), outdir: join(packageFolder, "dist"), outbase: sources, format: "esm", platform: "neutral", target: "es2022", logLevel: "silent" });
    cpSync(join(root, "sdk/package.json"), join(packageFolder, "package.json"));
    // 2. npm pack it, and its dependencies from this workspace, so nothing needs the registry.
    const npm = (args: string[], cwd: string) => run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, env: { ...process.env, npm_config_update_notifier: "false" } });
    const manifest = JSON.parse(readFileSync(join(root, "sdk/package.json"), "utf8")) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    const dependencies = dependencyFolders(Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }));
    // --ignore-scripts: a dependency's own pack scripts (undici's husky) need its dev tools, which an install never has.
    const { stdout: packed } = await npm(["pack", packageFolder, ...dependencies, "--pack-destination", work, "--ignore-scripts"], work);
    const tarballs = packed.trim().split("\n").filter((line) => line.endsWith(".tgz"));
    expect(tarballs).toHaveLength(dependencies.length + 1);
    // 3. A fresh project outside the repository installs the tarballs offline.
    const app = join(work, "app");
    cpSync(join(root, "sdk/test/faq/user-code/app-package.json"), join(app, "package.json"));
    await npm(["install", "--offline", ...tarballs.map((name) => join(work, name))], app);
    // 4. The built proxy (its own bundled copy of the SDK), as `npm run build --workspace cors-proxy` makes it.
    const proxyBundle = join(work, "proxy");
    await build({
      entryPoints: [join(root, "cors-proxy/src/index.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      conditions: ["modelmesh-source"],
      outdir: proxyBundle,
      logLevel: "silent",
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    });
    // 5. Plain Node, in the app folder: `import "modelmesh"` must find the installed copy.
    const script = `
      import { create, RateLimitError, InvalidRequestError } from "modelmesh";
      import { createProxy } from ${JSON.stringify(`./${relative(app, join(proxyBundle, "index.js")).split("\\\\").join("/")}`)};
      const models = [
        { id: "gpt-4o", capabilities: ["chat-completion"] },
        { id: "gpt-4o-mini", capabilities: ["chat-completion"] },
        { id: "o3-mini", capabilities: ["chat-completion"] },
        { id: "text-embedding-3-small", capabilities: ["text-embeddings"] },
      ];
      const client = create("chat-completion", { config: {
        providers: { openai: { connector: "openai-compatible", config: { base_url: process.env.FAKE_URL, api_key: "sk-installed-000000000", models } } },
        defaults: { retry: { max_retries: 0 } },
      } });
      const reply = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hi from the app" }] });
      let direct = "";
      try { await client.chat.completions.create({ model: "o3-mini", messages: [{ role: "user", content: "x" }] }); }
      catch (error) { direct = error instanceof RateLimitError ? "RateLimitError " + error.retryAfter : String(error); }
      const proxy = createProxy({ mesh: client, listening: { host: "127.0.0.1" } });
      const post = async (body) => {
        const response = await proxy.handle(new Request("http://localhost/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
        return { status: response.status, retryAfter: response.headers.get("retry-after"), error: (await response.json()).error ?? null };
      };
      const wrongKind = await post({ model: "text-embedding-3-small", messages: [{ role: "user", content: "x" }] });
      const limited = await post({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
      const ok = await post({ model: "gpt-4o", messages: [{ role: "user", content: "y" }] });
      await client.close();
      console.log(JSON.stringify({ resolved: import.meta.resolve("modelmesh"), content: reply.choices[0].message.content, direct, wrongKind, limited, ok: ok.status }));
    `;
    writeFileSync(join(app, "main.js"), script);
    // Rate limited: o3-mini for the direct call, gpt-4o-mini for the call through the proxy (each then cools down).
    for (const model of ["o3-mini", "gpt-4o-mini"]) fake.setMode({ kind: "error", status: 429, headers: { "retry-after": "3" } }, { model });
    const { stdout } = await run(process.execPath, ["main.js"], { cwd: app, env: { ...process.env, FAKE_URL: fake.url, NODE_OPTIONS: "" } });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(fileURLToPath(result.resolved)).toBe(join(app, "node_modules/modelmesh/dist/index.js"));
    expect(result.content).toBe("Hello from gpt-4o: Hi from the app");
    expect(result.direct).toBe("RateLimitError 3");
    expect(result.wrongKind).toMatchObject({ status: 400, error: { param: "model", type: "invalid_request_error" } });
    expect(result.limited).toMatchObject({ status: 429, retryAfter: "3", error: { code: "rate_limit_exceeded" } });
    expect(result.ok).toBe(200);
    // The installed copy sent through its Node transport (modelmesh/node-fetch on the undici it installed), not
    // Node's own fetch, which adds the Fetch standard's `sec-fetch-mode: cors`.
    const fromApp = fake.requests.find((request) => JSON.stringify(request.body).includes("Hi from the app"));
    expect(fromApp?.headers["sec-fetch-mode"]).toBeUndefined();
    expect(fromApp?.headers.authorization).toBe("Bearer sk-installed-000000000");
  }, 60_000);
});
