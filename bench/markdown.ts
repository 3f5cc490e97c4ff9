/**
 * Prints the markdown table of a saved run again (for README), from its JSON in `bench/results/`.
 *
 *   npx tsx bench/markdown.ts bench/results/<file>.json [--goals]   (--goals: only the rows that have a goal)
 */
import { readFileSync } from "node:fs";
import type { BenchRow } from "./bundle-size.js";
import { formatMarkdown } from "./format.js";

const saved = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as { command: string; startedAt: string; node: string; cores: number; loadAverage: { start: number[]; end: number[] }; rows: BenchRow[] };
const conditions = `${saved.startedAt.slice(0, 16).replace("T", " ")} UTC, Node ${saved.node}, ${saved.cores} cores, load average ${saved.loadAverage.start[0]!.toFixed(2)} at the start and ${saved.loadAverage.end[0]!.toFixed(2)} at the end`;
const rows = process.argv.includes("--goals") ? saved.rows.filter((row) => row.goal !== undefined) : saved.rows;
process.stdout.write(formatMarkdown(rows, saved.command, conditions));
