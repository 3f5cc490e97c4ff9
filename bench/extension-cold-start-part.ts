import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BenchRow } from "./bundle-size.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SECTION = "extension in Chromium (built extension, worker stopped through DevTools, page clock)";

/**
 * The extension's cold start to first chunk, measured by `bench/extension-cold-start.ts` in its own process (it
 * drives Chromium); "not built" when `extension/dist` is missing.
 * @example
 * const rows = await extensionColdStart(9);
 */
export async function extensionColdStart(rounds = 9): Promise<BenchRow[]> {
  if (!existsSync(`${ROOT}extension/dist/manifest.json`)) return [{ section: SECTION, name: "cold start to first chunk", value: "not built (npm run build)" }];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=modelmesh-source", "bench/extension-cold-start.ts", String(rounds)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (part: Buffer) => (text += part.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`extension-cold-start exited with ${code}`))));
  });
  const result = JSON.parse(output.trim().split("\n").at(-1)!) as { coldMedianMs: number; warmMedianMs: number; cold: number[]; warm: number[] };
  const range = (values: number[]) => `${Math.min(...values)}–${Math.max(...values)}`;
  return [
    { section: SECTION, name: "cold start to first chunk, ms (median, range)", value: `${result.coldMedianMs} (${range(result.cold)})`, goal: "≤ 300", pass: result.coldMedianMs <= 300 },
    { section: SECTION, name: "warm request to first chunk, ms (median, range)", value: `${result.warmMedianMs} (${range(result.warm)})` },
  ];
}
