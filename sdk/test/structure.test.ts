import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");
const KINDS = ["provider", "rotation", "secrets", "storage", "observability", "discovery"];

/** Every built-in connector: a class with a static connectorId, one per file. */
function connectors(): Array<{ file: string; className: string; id: string }> {
  const found: Array<{ file: string; className: string; id: string }> = [];
  for (const kind of KINDS) {
    for (const file of readdirSync(`${root}sdk/src/${kind}`)) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
      const text = read(`sdk/src/${kind}/${file}`);
      const id = /static (?:readonly |override )*connectorId(?::\s*string)?\s*=\s*"([^"]+)"/.exec(text)?.[1];
      const className = /export class (\w+)/.exec(text)?.[1];
      if (id && className) found.push({ file: `sdk/src/${kind}/${file}`, className, id });
    }
  }
  return found;
}

describe("the repository's structure", () => {
  const list = connectors();
  const index = read("sdk/src/index.ts");
  const readme = read("README.md");
  // Contract runs live in sdk/test; a connector whose output is not one line per event (the Prometheus sink)
  // proves the same points in its own suite beside it.
  const testFiles = [
    ...readdirSync(`${root}sdk/test`).filter((file) => file.endsWith(".test.ts")).map((file) => `sdk/test/${file}`),
    ...KINDS.flatMap((kind) => readdirSync(`${root}sdk/src/${kind}`).filter((file) => file.endsWith(".test.ts")).map((file) => `sdk/src/${kind}/${file}`)),
  ];
  const tests = testFiles.map(read).join("\n");

  it("finds the built-in connectors", () => {
    expect(list.length).toBeGreaterThanOrEqual(20);
  });

  it.each(list.map((connector) => [connector.id, connector] as const))("%s is exported, contract-tested and in README", (_id, connector) => {
    expect(index, `${connector.className} is not exported from sdk/src/index.ts`).toMatch(new RegExp(`\\b${connector.className}\\b`));
    expect(tests, `${connector.className} is not run through a contract suite in sdk/test/*.test.ts`).toMatch(new RegExp(`\\b${connector.className}\\b`));
    expect(readme, `${connector.id} is not documented in README.md`).toContain(connector.id);
  });

  it("has no default exports and no module-level browser globals in sdk/src", () => {
    const offenders: string[] = [];
    const walk = (directory: string) => {
      for (const entry of readdirSync(`${root}${directory}`, { withFileTypes: true })) {
        const path = `${directory}/${entry.name}`;
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
          const text = read(path);
          if (/^export default/m.test(text)) offenders.push(`${path}: default export`);
          if (/^(?:(?:export )?(?:const|let|var) \w+ = )?(?:globalThis\.)?(?:window|document|localStorage|sessionStorage|indexedDB|chrome|process)\b/m.test(text)) offenders.push(`${path}: browser global at top level`);
          if (/^import .* from "node:/m.test(text)) offenders.push(`${path}: static node: import`);
        }
      }
    };
    walk("sdk/src");
    expect(offenders).toEqual([]);
  });
});
