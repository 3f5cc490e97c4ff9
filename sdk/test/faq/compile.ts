/**
 * Type-checks FAQ snippets as written, with the TypeScript compiler API: `strict`, ES modules, the FAQ's package
 * name mapped to this repository's source (`@nistrapa/modelmesh-core` → `sdk/src/index.ts`).
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { FaqSnippet } from "./extract.js";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const SDK_SOURCE = resolve(HERE, "../../src");

/** Module names in the FAQ and what stands for them here. Relative user modules resolve inside `user-code/`. */
export const MODULE_MAP: Record<string, string> = {
  "@nistrapa/modelmesh-core": join(SDK_SOURCE, "index.ts"),
  "@nistrapa/modelmesh-core/testing": join(SDK_SOURCE, "testing/index.ts"),
  // The FAQ's "shared package" of the user's connectors: the same module as `./connectors/vault-store`.
  "@corp/modelmesh-connectors": join(HERE, "user-code/connectors/vault-store.ts"),
};

/**
 * Names the FAQ's snippets use without declaring: they stand for the reader's own code (a client made earlier, a
 * key typed into a form, their Redis client, the extension's `chrome` global). Declared here for the compiler only;
 * the runner gives each a real value.
 */
export const USER_GLOBALS = `
import type { MeshClient } from "@nistrapa/modelmesh-core";
declare global {
  /** The client of an earlier example (Q14 catches its errors). */
  var client: MeshClient;
  /** A key the person typed into the page. */
  var userEnteredKey: string;
  interface RedisClient {
    get(key: string): Promise<string | null>;
    set(key: string, value: string): Promise<unknown>;
    keys(pattern: string): Promise<string[]>;
    del(key: string): Promise<number>;
  }
  function createRedisClient(host: string): RedisClient;
  /** The slice of @types/chrome (0.0.x) the extension example touches, with its real signature. */
  var chrome: { storage: { local: { get<T = { [key: string]: any }>(keys?: string | string[] | null): Promise<T> } } };
}
export {};
`;

const VIRTUAL_GLOBALS = join(HERE, "user-code", "faq-user-globals.d.ts");

/** Where a snippet lives for the compiler: beside `user-code/connectors`, so `./connectors/vault-store` resolves. */
export function snippetPath(snippet: FaqSnippet): string {
  return join(HERE, "user-code", `faq-snippet-${String(snippet.index).padStart(2, "0")}.ts`);
}

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
  types: ["node", "vitest/globals"],
  typeRoots: [resolve(HERE, "../../../node_modules/@types"), resolve(HERE, "../../../node_modules")],
  customConditions: ["modelmesh-source"],
  baseUrl: HERE,
  paths: Object.fromEntries(Object.entries(MODULE_MAP).map(([name, path]) => [name, [path]])),
  skipLibCheck: true,
  noEmit: true,
  allowImportingTsExtensions: true,
};

/** Compiles every snippet in one program; returns the diagnostics of each snippet file, formatted. */
export function compileSnippets(snippets: FaqSnippet[]): Map<number, string[]> {
  const files = new Map(snippets.map((snippet) => [snippetPath(snippet), snippet.code]));
  files.set(VIRTUAL_GLOBALS, USER_GLOBALS);
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = files.get(resolve(fileName));
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => files.has(resolve(fileName)) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => files.get(resolve(fileName)) ?? readFile(fileName);
  const program = ts.createProgram([...files.keys()], COMPILER_OPTIONS, host);
  const result = new Map<number, string[]>();
  const format = (diagnostic: ts.Diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (!diagnostic.file || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const where = diagnostic.file.fileName.startsWith(HERE) ? diagnostic.file.fileName.slice(HERE.length + 1) : diagnostic.file.fileName;
    return `${where}:${line + 1}: ${message}\n    ${diagnostic.file.text.split("\n")[line]?.trim()}`;
  };
  for (const snippet of snippets) {
    const file = program.getSourceFile(snippetPath(snippet))!;
    result.set(snippet.index, [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map(format));
  }
  // Errors in the SDK itself or the globals reached from a snippet count against the first snippet.
  const global = [...program.getGlobalDiagnostics(), ...program.getOptionsDiagnostics(), ...program.getSemanticDiagnostics(program.getSourceFile(VIRTUAL_GLOBALS))].map(format);
  if (global.length) result.set(0, global);
  return result;
}
