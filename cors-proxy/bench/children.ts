/**
 * Child processes for the benchmarks: every contender, the fake upstream and the load generator run in a process of
 * their own, so one's CPU time never hides inside another's (a load generator in the contender's process makes a
 * slow contender look fast: the generator slows down with it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

/** The repository root. */
export const REPOSITORY = fileURLToPath(new URL("../../", import.meta.url));

/** A started child and the first value it announced. */
export interface Child {
  /** What the child printed after `READY ` (a URL), or the match of `ready`. */
  announced: string;
  process: ChildProcess;
  /** Everything the child printed on stdout so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Every process a benchmark measures runs plain JavaScript under `node`, never through tsx's loader: its transform
 * wraps every function it creates in a `__name()` call, which cost about 25 µs per request in the proxy's node:http
 * fetch alone and would slow the fake upstream and the pass-through baseline just as much. A `.ts` child (fake
 * upstream, load generator, SDK probe) is bundled once per run with esbuild into `bench/.build/`, its packages left
 * as imports, so `modelmesh` resolves to the BUILT SDK (`sdk/dist`) as in an app that installed it.
 */
const BUILD_DIRECTORY = join(REPOSITORY, "bench/.build");
const built = new Map<string, string>();

/** `script` as something plain `node` runs: a `.ts` file bundled to `bench/.build/`, anything else as it is. */
export function runnable(script: string): string {
  if (!script.endsWith(".ts")) return script;
  let output = built.get(script);
  if (!output) {
    output = join(BUILD_DIRECTORY, `${script.replace(/[\/]/g, "__").replace(/\.ts$/, "")}.mjs`);
    buildSync({ entryPoints: [join(REPOSITORY, script)], outfile: output, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "error" });
    built.set(script, output);
  }
  return output;
}

/** The proxy CLI, started from its built bundle (`cors-proxy/dist/cli.js`, what the npm package and Docker image run). */
export const CLI = "cors-proxy/bin/modelmesh-proxy.js";

/** What `startChild` needs to run the built CLI: the bin told to load the bundle, not the source. */
export const BUILT_CLI = { env: { MODELMESH_PROXY_USE_BUILD: "1" } } as const;

/**
 * Starts `node [flags] script ...args` and waits until a stdout line matches `ready` (default `READY <value>`).
 * @example
 * const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
 * console.log(upstream.announced); // http://127.0.0.1:PORT/v1
 */
export function startChild(script: string, args: string[] = [], options: { ready?: RegExp; nodeFlags?: string[]; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Child> {
  const ready = options.ready ?? /^READY (\S+)$/m;
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), runnable(script), ...args], { cwd: REPOSITORY, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_ENV: "production", ...options.env } });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (part: Buffer) => (stderr += part.toString()));
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${script} did not start within ${options.timeoutMs ?? 30_000} ms\n${stdout}${stderr}`)), options.timeoutMs ?? 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.once("exit", (code) => fail(new Error(`${script} exited (${code}) before it was ready\n${stdout}${stderr}`)));
    child.stdout!.on("data", (part: Buffer) => {
      stdout += part.toString();
      const match = ready.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({
        announced: match[1]!,
        process: child,
        output: () => stdout,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            // The results are in: nothing to save, so no grace period.
            child.once("exit", () => done());
            child.kill("SIGKILL");
          }),
      });
    });
  });
}

/**
 * Runs a child to completion and returns the JSON it printed last on stdout.
 * @example
 * const result = await runJsonChild("cors-proxy/bench/load-process.ts", [JSON.stringify(plan)]);
 */
export function runJsonChild<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<T> {
  const child = spawn(process.execPath, [...nodeFlags, runnable(script), ...args], { cwd: REPOSITORY, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (part: Buffer) => (stdout += part.toString()));
  child.stderr!.on("data", (part: Buffer) => (stderr += part.toString()));
  return new Promise<T>((resolve, reject) => {
    child.once("exit", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${script} exited with ${code}\n${stderr}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON\n${stdout}${stderr}`));
      }
    });
  });
}
