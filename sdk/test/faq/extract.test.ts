/** The FAQ extractor's rules on small flattened texts, each shaped like a case found in the FAQ. */
import { describe, expect, it } from "vitest";
import { extractTypeScriptSnippets, startsLikeStatement } from "./extract.js";

const codes = (text: string) => extractTypeScriptSnippets(text).map((snippet) => snippet.code.trimEnd());

describe("extractTypeScriptSnippets", () => {
  it("starts at an import glued to Python and stops at prose glued to the last line", () => {
    const text = 'print(response.usage.total_tokens)import { create } from "@nistrapa/modelmesh-core";\nconst client = create("chat");\nawait client.ready();The same call shape works.\nMore prose.';
    expect(codes(text)).toEqual(['import { create } from "@nistrapa/modelmesh-core";\nconst client = create("chat");\nawait client.ready();']);
  });

  it("reads multi-line imports, try/catch, template literals with braces and regular expressions", () => {
    const code = [
      "import {",
      "A, B,",
      '} from "@nistrapa/modelmesh-core";',
      "try {",
      "const url = `${base.replace(/\\/$/, \"\")}/api/{x}`;",
      "} catch (e) {",
      "if (e instanceof A) {",
      "console.log(`All ${e.attempts} attempts failed`);",
      "}",
      "}",
    ].join("\n");
    expect(codes(`${code}Every exception carries a flag.\nnext: yaml`)).toEqual([code]);
  });

  it("keeps a call that ends a line glued to prose, and stops before a numbered step, a label or YAML", () => {
    expect(codes('import { x } from "p";\nexpect(x).toBe(1);Debug routing decisions:\nexplanation = client.explain()')).toEqual(['import { x } from "p";\nexpect(x).toBe(1);']);
    expect(codes('import { V } from "@corp/c";3. Runtime registration — register it')).toEqual(['import { V } from "@corp/c";']);
    expect(codes('import { x } from "p";\nx();\nTypeScript:\nimport { y } from "q";\ny();\npools:\n  chat: {}')).toEqual(['import { x } from "p";\nx();', 'import { y } from "q";\ny();']);
  });

  it("ignores Python imports", () => {
    expect(codes("from modelmesh.exceptions import (\nModelMeshError,\n)\nimport modelmesh\nclient = modelmesh.create()")).toEqual([]);
  });
});

describe("startsLikeStatement", () => {
  it.each([
    ["const client = create();", true],
    ["for await (const chunk of stream) {", true],
    ["registerConnector(\"corp.vault.v1\", Vault);", true],
    ["// background.ts", true],
    ["Register via YAML or inject an instance:", false],
    ["For bundling, ModelMesh is tree-shakeable", false],
    ["Python:", false],
    ["pools:", false],
    ["2. Chrome Extension with host permissions:", false],
    ["client = modelmesh.create(\"chat-completion\")", false],
  ])("%s → %s", (line, expected) => expect(startsLikeStatement(line)).toBe(expected));
});
