import { defineConfig, mergeConfig } from "vitest/config";
import stryker from "./vitest.stryker.config.js";

// Stryker over one file with only the test files that exercise it (MUTATE_TESTS, comma-separated globs): a file like
// core/router.ts is imported by nearly every test, and the whole suite per mutant takes hours on 2 cores. A mutant
// these tests kill, the whole suite kills, so the score is a lower bound.
// MUTATE_TESTS="sdk/test/mutation/router-*.test.ts" npx stryker run --mutate sdk/src/core/router.ts:150-380 --vitest.configFile vitest.stryker.focus.config.ts
const focus = (process.env["MUTATE_TESTS"] ?? "").split(",").map((glob) => glob.trim()).filter(Boolean);

const config = mergeConfig(stryker, defineConfig({}));
// Replaced, not merged: mergeConfig would append the globs to the whole suite's.
if (focus.length > 0) config.test = { ...config.test, include: focus };
export default config;
