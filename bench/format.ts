/** Plain and markdown tables of benchmark rows (shared by `run.ts` and `markdown.ts`). */
import type { BenchRow } from "./bundle-size.js";

/** One block per section; a goal column only where a row has a goal. Goal rows are repeated at the end as check lines. */
export function formatTable(rows: BenchRow[]): string {
  const lines: string[] = [];
  const sections = [...new Set(rows.map((row) => row.section))].filter((section) => section !== "goals");
  for (const section of sections) {
    const inSection = rows.filter((row) => row.section === section);
    const nameWidth = Math.max(...inSection.map((row) => row.name.length));
    const valueWidth = Math.max(...inSection.map((row) => row.value.length));
    lines.push("", section, "-".repeat(Math.min(section.length, 120)));
    for (const row of inSection) {
      const goal = row.goal === undefined ? "" : `  goal ${row.goal}  ${row.pass ? "ok" : "MISS"}`;
      lines.push(`  ${row.name.padEnd(nameWidth)}  ${row.value.padStart(valueWidth)}${goal}`.trimEnd());
    }
  }
  const goals = rows.filter((row) => row.goal !== undefined);
  if (goals.length > 0) {
    lines.push("", "goal checks", "-----------");
    for (const row of goals) lines.push(`  ${row.name}: ${row.value} (goal ${row.goal}) ${row.pass ? "ok" : "MISS"}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The rows as a markdown table README can paste: every row with a goal, and the context rows of each section.
 * @example
 * console.log(formatMarkdown(rows, "npm run bench", "2026-12-02, 2 cores"));
 */
export function formatMarkdown(rows: BenchRow[], command: string, conditions: string): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const lines = [`\`${command}\` (${conditions}):`, "", "| part | measure | result | goal | met |", "|---|---|---|---|---|"];
  for (const row of rows) {
    if (row.section.includes("top inputs")) continue;
    // The section up to its first parenthesis names the part ("proxy, SSE stream, 50 connections"); chat-latency
    // files its goal rows under "goals".
    const part = row.section === "goals" ? "chat, goals" : row.section.split("(")[0]!.trim();
    lines.push(`| ${cell(part)} | ${cell(row.name)} | ${cell(row.value)} | ${cell(row.goal ?? "")} | ${row.goal === undefined ? "" : row.pass ? "yes" : "**no**"} |`);
  }
  return `${lines.join("\n")}\n`;
}
