import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

/** A throwaway redis-server on a free 127.0.0.1 port: no files written (`--save ''`, no append-only file). */
export interface TestRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "redis-server is not installed, and these tests need a real one (they are failed, not skipped, so a missing server is never mistaken for a pass). `npm test` installs it through scripts/ensure-system-deps.sh when run as root; otherwise: apt-get install -y --no-install-recommends redis-server";

/** The redis-server binary, or a loud error saying how to get it. */
export function redisServerPath(): string {
  if (existsSync("/usr/bin/redis-server")) return "/usr/bin/redis-server";
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status === 0 && path) return path;
  throw new Error(INSTALL_HINT);
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts redis-server for a test and resolves once it accepts connections.
 * @example
 * const redis = await startRedis(); // redis.url: "redis://127.0.0.1:PORT"
 * await redis.stop();
 */
export async function startRedis(): Promise<TestRedis> {
  const binary = redisServerPath();
  let lastOutput = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const onData = (part: Buffer) => {
        output += part.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready) {
      const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.on("exit", () => resolve())));
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        process: child,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
        },
      };
    }
    lastOutput = output;
    child.kill("SIGKILL");
  }
  throw new Error(`redis-server did not start: ${lastOutput}`);
}
