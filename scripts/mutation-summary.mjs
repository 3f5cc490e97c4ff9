#!/usr/bin/env node
// Adds up Stryker JSON reports from many partial runs (one file, a line range, a re-run after new tests) into one
// score per file, per folder and overall. On 2 cores a whole-repository run takes many hours, so the project is
// scored in pieces; this script keeps the sum honest:
// - a report counts for a source file only when the source it mutated is byte for byte the file in this checkout
//   (Stryker stores it in the report), so a score never describes code that has since changed;
// - the same mutant (file, position, mutator, replacement) seen in several runs takes the newest run's status;
// - files of the scored folders that no current report covers are listed as unmeasured, never counted as killed.
//   node scripts/mutation-summary.mjs <report.json or folder>... [--json out.json]
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const scope = ["sdk/src/core", "sdk/src/rotation", "sdk/src/provider", "cors-proxy/src"];
const excluded = new Set(["sdk/src/provider/provider.ts", "cors-proxy/src/index.ts"]); // type and re-export lists
const args = process.argv.slice(2);
const jsonAt = args.indexOf("--json");
const jsonOut = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
if (args.length === 0) {
  console.error("usage: node scripts/mutation-summary.mjs <report.json or folder>... [--json out.json]");
  process.exit(2);
}

const reportFiles = args.flatMap((path) => (statSync(path).isDirectory() ? walk(path).filter((file) => file.endsWith(".json")) : [path]));
reportFiles.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);

/** file -> key -> status, newest report last */
const mutants = new Map();
/** file -> line ranges scored so far, when only ranges were (`--mutate file:from-to`); absent once a whole run counts */
const ranges = new Map();
const stale = new Map();
for (const reportFile of reportFiles) {
  const report = JSON.parse(readFileSync(reportFile, "utf8"));
  for (const [file, entry] of Object.entries(report.files ?? {})) {
    const path = file; // Stryker names files relative to the project root, which is where this runs
    if (!existsSync(path) || readFileSync(path, "utf8") !== entry.source) {
      stale.set(path, (stale.get(path) ?? 0) + 1);
      continue;
    }
    // Stryker's incremental mode also reports files outside this run's `mutate` list (results it reused): only the
    // files the run was asked to mutate count from it.
    if (!mutated(report.config?.mutate, path)) continue;
    const range = (report.config?.mutate ?? []).map((pattern) => /^(.*):(\d+)-(\d+)$/.exec(pattern)).find((match) => match?.[1] === path);
    if (!range) ranges.set(path, null);
    else if (ranges.get(path) !== null) ranges.set(path, [...(ranges.get(path) ?? []), `${range[2]}-${range[3]}`]);
    const byKey = mutants.get(path) ?? new Map();
    for (const mutant of entry.mutants) {
      const { start, end } = mutant.location;
      byKey.set(`${start.line}:${start.column}-${end.line}:${end.column} ${mutant.mutatorName} ${mutant.replacement ?? ""}`, mutant.status);
    }
    mutants.set(path, byKey);
  }
}

const detected = new Set(["Killed", "Timeout"]);
const undetected = new Set(["Survived", "NoCoverage"]);
const count = (statuses) => {
  const tally = { killed: 0, survived: 0, ignored: 0, errors: 0 };
  for (const status of statuses) {
    if (detected.has(status)) tally.killed += 1;
    else if (undetected.has(status)) tally.survived += 1;
    else if (status === "Ignored") tally.ignored += 1;
    else tally.errors += 1; // CompileError / RuntimeError: not a valid mutant, left out of the score as Stryker does
  }
  return tally;
};
const score = (tally) => (tally.killed + tally.survived === 0 ? null : (100 * tally.killed) / (tally.killed + tally.survived));
const percent = (value) => (value === null ? "—" : `${value.toFixed(1)} %`);

const inScope = scope.flatMap((folder) => walk(folder).filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts") && !excluded.has(file)));
const rows = [];
const unmeasured = [];
const total = { killed: 0, survived: 0, ignored: 0, errors: 0 };
const folders = new Map(scope.map((folder) => [folder, { killed: 0, survived: 0, ignored: 0, errors: 0 }]));
for (const file of [...new Set([...inScope, ...mutants.keys()])].sort()) {
  const byKey = mutants.get(file);
  if (!byKey) {
    if (inScope.includes(file)) unmeasured.push(file);
    continue;
  }
  const tally = count(byKey.values());
  rows.push({ file, ...tally, score: score(tally), lines: ranges.get(file) ?? "all" });
  const folder = scope.find((prefix) => file.startsWith(`${prefix}/`));
  if (!folder) continue;
  for (const target of [total, folders.get(folder)]) for (const key of Object.keys(total)) target[key] += tally[key];
}

console.log("| file | lines scored | detected | undetected | ignored (static) | score |\n|---|---|---|---|---|---|");
for (const row of rows) console.log(`| ${row.file} | ${row.lines === "all" ? "all" : row.lines.join(", ")} | ${row.killed} | ${row.survived} | ${row.ignored} | ${percent(row.score)} |`);
console.log("\n| folder | detected | undetected | score |\n|---|---|---|---|");
for (const [folder, tally] of folders) console.log(`| ${folder} | ${tally.killed} | ${tally.survived} | ${percent(score(tally))} |`);
console.log(`| **the four folders** | ${total.killed} | ${total.survived} | **${percent(score(total))}** |`);
console.log(`\n${reportFiles.length} reports read; ${rows.length} files scored on their current source.`);
if (unmeasured.length > 0) console.log(`Not measured on the current source (${unmeasured.length}): ${unmeasured.join(", ")}`);
const onlyStale = [...stale.keys()].filter((file) => !mutants.has(file));
if (onlyStale.length > 0) console.log(`Reports exist only for an older source of: ${onlyStale.join(", ")}`);
if (jsonOut) {
  writeFileSync(jsonOut, `${JSON.stringify({ reports: reportFiles.length, files: rows, folders: Object.fromEntries([...folders].map(([folder, tally]) => [folder, { ...tally, score: score(tally) }])), total: { ...total, score: score(total) }, unmeasured }, null, 2)}\n`);
}

function mutated(patterns, file) {
  if (!Array.isArray(patterns)) return true;
  const toRegExp = (glob) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\//g, "(.*/)?").replace(/\*\*/g, ".*").replace(/\*/g, "[^/]*")}$`);
  const positive = patterns.filter((pattern) => !pattern.startsWith("!")).map((pattern) => pattern.replace(/:\d+-\d+$/, ""));
  const negative = patterns.filter((pattern) => pattern.startsWith("!")).map((pattern) => pattern.slice(1));
  return positive.some((pattern) => toRegExp(pattern).test(file)) && !negative.some((pattern) => toRegExp(pattern).test(file));
}

function walk(folder) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}
