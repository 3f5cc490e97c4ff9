import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { transformSync } from "esbuild";
import { markFloor } from "./trace-sequential.js";

describe("bench/trace-sequential.ts: the floor's marks", () => {
  const floor = readFileSync(new URL("../cors-proxy/bench/parsing-floor-process.mjs", import.meta.url), "utf8");

  it("stamps every stage of the floor, each at the line it names, and records to TRACE_OUT on SIGUSR2", () => {
    const marked = markFloor(floor);
    // request, body read, dispatch, headers, bytes, first write, complete, and end twice (stream and JSON).
    expect(marked.match(/globalThis\.__trace\(\d\)/g)).toHaveLength(9);
    expect(marked).toContain("globalThis.__trace(1);\n    agent.dispatch(");
    expect(marked).toContain('outgoing.end("data: [DONE]\\n\\n");\n            return void globalThis.__trace(6);');
    expect(marked).toMatch(/process\.on\("SIGUSR2", \(\) => __traceWrite\(process\.env\.TRACE_OUT/);
    // Still a module that runs: the edits leave valid JavaScript.
    expect(() => transformSync(marked, { format: "esm", loader: "js" })).not.toThrow();
  });

  it("stops and names the line when the floor no longer has it exactly once", () => {
    expect(() => markFloor(floor.replace("    agent.dispatch(", "    agent.request("))).toThrow(/agent\.dispatch\(.*parsing-floor-process\.mjs exactly once/);
  });
});
