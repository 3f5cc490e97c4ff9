#!/usr/bin/env node
// Re-checks single mutants from a Stryker JSON report against chosen test files, without a whole Stryker run:
// applies the mutant's replacement to the source in the current checkout, runs the tests with the Stryker vitest
// config, and restores the file (also on failure). Used to confirm that survivors of a run are killed by tests added
// afterwards, and to run module-level ("static") mutants that a per-test Stryker run never activates.
//   node scripts/mutant-check.mjs reports/mutation/mutation.json 42,57 sdk/test/mutation/retry.test.ts
// Run it in a copy of the repository while Stryker runs elsewhere: it edits the source file for a few seconds.
import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const [reportPath, idList, ...tests] = process.argv.slice(2);
if (!reportPath || !idList || tests.length === 0) {
  console.error("usage: node scripts/mutant-check.mjs <mutation.json> <id,id,...> <test file>...");
  process.exit(2);
}
const report = JSON.parse(readFileSync(reportPath, "utf8"));
let failed = 0;
for (const id of idList.split(",")) {
  const found = Object.entries(report.files).flatMap(([file, entry]) => entry.mutants.filter((mutant) => mutant.id === id).map((mutant) => ({ file, mutant })))[0];
  if (!found) throw new Error(`no mutant ${id} in ${reportPath}`);
  const { file, mutant } = found;
  const original = readFileSync(file, "utf8");
  const lines = original.split("\n");
  const offset = (position) => lines.slice(0, position.line - 1).reduce((total, line) => total + line.length + 1, 0) + position.column - 1;
  writeFileSync(file, original.slice(0, offset(mutant.location.start)) + mutant.replacement + original.slice(offset(mutant.location.end)));
  try {
    const run = spawnSync("npx", ["vitest", "run", "-c", "vitest.stryker.config.ts", "--bail", "1", ...tests], { encoding: "utf8" });
    const killed = run.status !== 0;
    if (!killed) failed += 1;
    console.log(`${id} ${file}:${mutant.location.start.line} ${mutant.mutatorName} ${JSON.stringify(mutant.replacement).slice(0, 80)} => ${killed ? "killed" : "SURVIVED"}`);
  } finally {
    writeFileSync(file, original);
  }
}
process.exit(failed ? 1 : 0);
