/**
 * Runs an FAQ snippet as a module: its text as extracted, with only the FAQ's module names replaced by this
 * repository's files (MODULE_MAP) and one line appended that exports its top-level names, so a test can drive the
 * classes and clients it defines.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { HERE, MODULE_MAP } from "./compile.js";
import type { FaqSnippet } from "./extract.js";

const directory = mkdtempSync(join(tmpdir(), "modelmesh-faq-"));
let runs = 0;

/** Names a snippet declares or imports (as values) at top level: classes, functions, const/let, imports. */
export function topLevelNames(code: string): string[] {
  const file = ts.createSourceFile("snippet.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of file.statements) {
    const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
    if (clause && !clause.isTypeOnly && clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
      for (const element of clause.namedBindings.elements) if (!element.isTypeOnly) names.push(element.name.text);
    }
    if ((ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement)) && statement.name) names.push(statement.name.text);
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text);
    }
  }
  return names;
}

/** The snippet with its imports pointed at this repository. */
export function runnableSource(code: string): string {
  const file = ts.createSourceFile("snippet.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  let result = code;
  // Right to left, so earlier positions stay valid.
  const specifiers = file.statements.filter(ts.isImportDeclaration).map((declaration) => declaration.moduleSpecifier as ts.StringLiteral).reverse();
  for (const specifier of specifiers) {
    const name = specifier.text;
    const target = MODULE_MAP[name] ?? (name.startsWith(".") ? join(HERE, "user-code", `${name}.ts`) : undefined);
    if (!target) throw new Error(`FAQ snippet imports "${name}", which the harness does not provide`);
    result = `${result.slice(0, specifier.getStart(file))}${JSON.stringify(target)}${result.slice(specifier.getEnd())}`;
  }
  const names = topLevelNames(code);
  return `${result}\nexport { ${names.join(", ")} };\n`;
}

/** Imports the snippet (a fresh module each call, so top-level code runs again). */
export async function runSnippet<Exports = Record<string, any>>(snippet: FaqSnippet): Promise<Exports> {
  const path = join(directory, `faq-snippet-${snippet.index}-${++runs}.ts`);
  writeFileSync(path, runnableSource(snippet.code));
  return (await import(/* @vite-ignore */ pathToFileURL(path).href)) as Exports;
}

export function removeRunFiles(): void {
  rmSync(directory, { recursive: true, force: true });
}
