import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import * as rootExports from "../src/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");
const KINDS = ["provider", "rotation", "secrets", "storage", "observability", "discovery"];

/** Every built-in connector: a class with a static connectorId, one per file (connectors split over a folder included). */
function connectors(): Array<{ kind: string; file: string; className: string; id: string }> {
  const found: Array<{ kind: string; file: string; className: string; id: string }> = [];
  for (const kind of KINDS) {
    const files = readdirSync(`${root}sdk/src/${kind}`, { recursive: true, encoding: "utf8" }).map((file) => file.split("\\").join("/"));
    for (const file of files.sort()) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
      const text = read(`sdk/src/${kind}/${file}`);
      const id = /static (?:readonly |override )*connectorId(?::\s*string)?\s*=\s*"([^"]+)"/.exec(text)?.[1];
      const className = /export class (\w+)/.exec(text)?.[1];
      if (id && className) found.push({ kind, file: `sdk/src/${kind}/${file}`, className, id });
    }
  }
  return found;
}

/** The contract suites a provider connector runs through: chat (`providerContract`), retrieval and speech (`serviceContract`). */
const PROVIDER_CONTRACTS = ["providerContract", "serviceContract"];

/**
 * The classes a test file really runs through a provider contract: those constructed (`new X(...)`) inside the
 * arguments of a call to a contract suite, or to a helper of that file that calls one (directly or through another
 * helper). A class only named in a test file, or built outside such a call, does not count.
 */
function contractRunClasses(source: string): Set<string> {
  const file = ts.createSourceFile("test.ts", source, ts.ScriptTarget.Latest, true);
  const calleeName = (call: ts.CallExpression) => (ts.isIdentifier(call.expression) ? call.expression.text : undefined);
  const callsIn = (node: ts.Node): string[] => {
    const names: string[] = [];
    const visit = (child: ts.Node) => {
      if (ts.isCallExpression(child)) {
        const name = calleeName(child);
        if (name) names.push(name);
      }
      ts.forEachChild(child, visit);
    };
    visit(node);
    return names;
  };
  // Helpers declared in the file (function declarations and `const name = (...) =>`), with the calls in their bodies.
  const helpers = new Map<string, string[]>();
  const collect = (node: ts.Node) => {
    if (ts.isFunctionDeclaration(node) && node.name && node.body) helpers.set(node.name.text, callsIn(node.body));
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))) helpers.set(node.name.text, callsIn(node.initializer.body));
    ts.forEachChild(node, collect);
  };
  collect(file);
  const runners = new Set(PROVIDER_CONTRACTS);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, calls] of helpers) {
      if (!runners.has(name) && calls.some((call) => runners.has(call))) {
        runners.add(name);
        grew = true;
      }
    }
  }
  const classes = new Set<string>();
  const constructedIn = (node: ts.Node) => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) classes.add(node.expression.text);
    ts.forEachChild(node, constructedIn);
  };
  const findRuns = (node: ts.Node) => {
    if (ts.isCallExpression(node) && runners.has(calleeName(node) ?? "")) for (const argument of node.arguments) constructedIn(argument);
    ts.forEachChild(node, findRuns);
  };
  findRuns(file);
  return classes;
}

describe("the repository's structure", () => {
  const list = connectors();
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

  const contractRuns = new Set(testFiles.flatMap((file) => [...contractRunClasses(read(file))]));

  it.each(list.map((connector) => [connector.id, connector] as const))("%s is exported, contract-tested and in README", (_id, connector) => {
    expect(Object.keys(rootExports), `${connector.className} is not exported from sdk/src/index.ts`).toContain(connector.className);
    if (connector.kind === "provider") {
      expect(contractRuns.has(connector.className), `${connector.className} is not built inside a providerContract/serviceContract run in sdk/test/*.test.ts`).toBe(true);
    } else {
      expect(tests, `${connector.className} is not run through a contract suite in sdk/test/*.test.ts`).toMatch(new RegExp(`\\b${connector.className}\\b`));
    }
    expect(readme, `${connector.id} is not documented in README.md`).toContain(connector.id);
  });

  it("finds connectors split over a folder (Anthropic, Gemini, Cohere, Jina)", () => {
    expect(list.map((connector) => connector.className)).toEqual(expect.arrayContaining(["AnthropicProvider", "GeminiProvider", "CohereProvider", "JinaProvider"]));
  });

  it("counts a provider as contract-tested only when a contract run builds it", () => {
    const source = [
      'import { providerContract } from "./contracts/provider.contract.js";',
      "const named = new NamedOnlyProvider({});",
      'providerContract("NamedOnlyProvider", async () => ({ provider: named }));',
      'describe("BuiltOutsideProvider", () => { it("works", () => new BuiltOutsideProvider({})) });',
      'function contract(make: () => unknown) { providerContract("x", async () => ({ provider: make() })); }',
      "function twice(make: () => unknown) { contract(make); }",
      'contract(() => new ThroughHelperProvider({}));',
      'twice(() => new ThroughTwoHelpersProvider({}));',
      'serviceContract("y", async () => over(fake, new ServiceProvider({})));',
    ].join("\n");
    expect([...contractRunClasses(source)].sort()).toEqual(["ServiceProvider", "ThroughHelperProvider", "ThroughTwoHelpersProvider"]);
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
          // modelmesh/node-fetch is the one Node-only entry built on node: modules; nothing else imports it (the layers
          // below), and the modelmesh entry reaches it in Node only through a computed import().
          if (/^import .* from "node:/m.test(text) && !path.startsWith("sdk/src/node-fetch/")) offenders.push(`${path}: static node: import`);
        }
      }
    };
    walk("sdk/src");
    expect(offenders).toEqual([]);
  });
});

// The layers of ../DESIGN.md, bottom to top: an import may point down, or sideways within its own folder.
// node/, node-fetch/ and testing/ are entry points beside index.ts (modelmesh/node, modelmesh/node-fetch,
// modelmesh/testing): nothing below imports them. exports/ holds the entries' one-module barrels (see index.ts).
const LAYERS: Record<string, number> = { wire: 0, internal: 1, provider: 2, rotation: 2, secrets: 2, storage: 2, observability: 2, discovery: 2, "extension-client": 2, core: 3, client: 4, testing: 5, node: 5, "node-fetch": 5, exports: 5, entry: 6 };

/** Interface files: they import only wire/ and internal/, never their own folder's implementations. */
const INTERFACES = ["provider/provider.ts", "rotation/rotation.ts", "secrets/secret-store.ts", "storage/storage.ts", "observability/sink.ts", "discovery/discovery.ts"];

/**
 * Imports that climbed a layer until the files moved (types to wire/, header parsing to internal/headers.ts, the
 * registry list passed to discover()). No allow-list remains: each of these is checked to be one the rule rejects,
 * so it fails the layer test if it comes back.
 */
const FORMER_VIOLATIONS = [
  "wire/model-state.ts -> provider/provider.ts",
  "provider/error-factory.ts -> core/retry.ts",
  "provider/rate-limit-headers.ts -> core/retry.ts",
  "provider/anthropic/errors.ts -> core/retry.ts",
  "discovery/discovery.ts -> core/config.ts",
  "discovery/auto-discovery.ts -> core/config.ts",
  "discovery/auto-discovery.ts -> core/registry-load.ts",
  "discovery/discovery.ts -> provider/provider.ts",
  "discovery/discovery.ts -> secrets/secret-store.ts",
  "discovery/auto-discovery.ts -> secrets/secret-store.ts",
  "wire/errors.ts -> observability/sink.ts",
  "observability/sink.ts -> observability/multi.ts",
];

/** Every relative import (static, re-export, type-only and import()) of every source file, comments ignored. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (directory: string) => {
    for (const entry of readdirSync(`${root}sdk/src/${directory}`, { withFileTypes: true })) {
      const path = directory ? `${directory}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
        const imports = ts.preProcessFile(read(`sdk/src/${path}`), true, true).importedFiles.map((file) => file.fileName).filter((name) => name.startsWith("."));
        graph.set(path, imports.map((name) => posix.normalize(posix.join(posix.dirname(path), name)).replace(/\.js$/, ".ts")));
      }
    }
  };
  walk("");
  return graph;
}

function folderOf(path: string): string {
  return path.includes("/") ? path.split("/")[0]! : "entry";
}

/** Whether `from` importing `to` breaks the layers: it climbs, crosses to another folder of its layer, or an interface file imports its own folder. */
function breaksLayers(from: string, to: string): boolean {
  const source = folderOf(from);
  const target = folderOf(to);
  const interfaceBreach = INTERFACES.includes(from) && target === source;
  const climbs = LAYERS[target]! > LAYERS[source]! || (LAYERS[target] === LAYERS[source] && target !== source);
  return climbs || interfaceBreach;
}

describe("the layers", () => {
  const graph = importGraph();

  it("parses the imports of every source file", () => {
    expect(graph.size).toBeGreaterThan(80);
    expect(graph.get("core/mesh.ts")).toContain("core/router.ts");
    // import() counts: the lazy loaders are imports too.
    expect(graph.get("core/builtins.ts")).toContain("provider/openai.ts");
  });

  it("places every source file in a folder of a known layer", () => {
    expect([...graph.keys()].map(folderOf).filter((folder) => LAYERS[folder] === undefined)).toEqual([]);
  });

  it("has no import that climbs a layer or crosses to another folder of the same layer", () => {
    const found: string[] = [];
    for (const [from, targets] of graph) for (const to of targets) if (breaksLayers(from, to)) found.push(`${from} -> ${to}`);
    expect(found, "imports that climb a layer").toEqual([]);
  });

  it.each(FORMER_VIOLATIONS)("rejects %s, an import removed by the moves, should it come back", (edge) => {
    const [from, to] = edge.split(" -> ") as [string, string];
    expect(graph.has(from) && graph.has(to), `${edge} names a file that no longer exists`).toBe(true);
    expect(breaksLayers(from, to)).toBe(true);
    expect(graph.get(from)).not.toContain(to);
  });

  it("has no import cycle", () => {
    // Tarjan's strongly connected components; a component of more than one file (or a self-import) is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const cycles: string[][] = [];
    let counter = 0;
    const visit = (node: string) => {
      index.set(node, counter);
      low.set(node, counter);
      counter += 1;
      stack.push(node);
      for (const next of graph.get(node) ?? []) {
        if (!graph.has(next)) continue;
        if (!index.has(next)) {
          visit(next);
          low.set(node, Math.min(low.get(node)!, low.get(next)!));
        } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          component.push(member);
        } while (member !== node);
        if (component.length > 1 || graph.get(node)!.includes(node)) cycles.push(component.sort());
      }
    };
    for (const node of graph.keys()) if (!index.has(node)) visit(node);
    expect(cycles).toEqual([]);
  });
});

describe("the package entries' re-exports", () => {
  // esbuild with --splitting loads up front every chunk that a used barrel can reach, used or not
  // (evanw/esbuild#3252); without splitting it loses the start-up call of a module reached only through
  // `export * from` a file the app uses nothing of. So the entries re-export values only as `export *` of a barrel
  // under sdk/src/exports/, and each barrel lists the names of exactly one module (test/bundle.test.ts measures
  // and runs what this keeps right).
  const entries = ["sdk/src/index.ts", "sdk/src/surface.ts", "sdk/src/lazy.ts"];

  it.each(entries)("%s re-exports values only as export * of a one-module barrel", (path) => {
    const file = ts.createSourceFile(path, read(path), ts.ScriptTarget.Latest, true);
    const offenders = file.statements.filter((statement) => {
      if (!ts.isExportDeclaration(statement) || statement.isTypeOnly) return !ts.isExportDeclaration(statement) && !ts.isImportDeclaration(statement);
      const target = statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : "";
      if (statement.exportClause === undefined) return !/^\.\/exports\/[\w-]+\.js$/.test(target) && target !== "./surface.js";
      return ts.isNamedExports(statement.exportClause) && statement.exportClause.elements.some((element) => !element.isTypeOnly);
    });
    expect(offenders.map((statement) => statement.getText())).toEqual([]);
  });

  it("each barrel under sdk/src/exports lists the names of one module and declares nothing", () => {
    const barrels = readdirSync(`${root}sdk/src/exports`).filter((name) => name.endsWith(".ts"));
    expect(barrels.length).toBeGreaterThan(0);
    for (const name of barrels) {
      const file = ts.createSourceFile(name, read(`sdk/src/exports/${name}`), ts.ScriptTarget.Latest, true);
      const kinds = file.statements.map((statement) => (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : `not a named re-export: ${statement.getText()}`));
      expect(new Set(kinds).size, name).toBe(1);
      expect(kinds[0], name).toMatch(/^\.\.\//);
    }
  });
});
