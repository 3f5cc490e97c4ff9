/**
 * Child processes for the benchmarks: every contender, the fake upstream and the load generator run in a process of
 * their own, so one's CPU time never hides inside another's (a load generator in the contender's process makes a
 * slow contender look fast: the generator slows down with it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

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

/** Node flags that let a child run TypeScript with `modelmesh` resolved to the SDK's source. */
export const TS_FLAGS = ["--import", "tsx", "--conditions=modelmesh-source"];

/**
 * Starts `node [flags] script ...args` and waits until a stdout line matches `ready` (default `READY <value>`).
 * @example
 * const upstream = await startChild("cors-proxy/bench/upstream-process.ts");
 * console.log(upstream.announced); // http://127.0.0.1:PORT/v1
 */
export function startChild(script: string, args: string[] = [], options: { ready?: RegExp; nodeFlags?: string[]; timeoutMs?: number } = {}): Promise<Child> {
  const ready = options.ready ?? /^READY (\S+)$/m;
  const child = spawn(process.execPath, [...TS_FLAGS, ...(options.nodeFlags ?? []), script, ...args], { cwd: REPOSITORY, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_ENV: "production" } });
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
  const child = spawn(process.execPath, [...TS_FLAGS, ...nodeFlags, script, ...args], { cwd: REPOSITORY, stdio: ["ignore", "pipe", "pipe"] });
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
