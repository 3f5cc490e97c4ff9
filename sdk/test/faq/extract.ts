/**
 * Finds the TypeScript snippets in the user's FAQ (`../shared/spec/000_0f49a3117413170e.txt`), a flattened text in
 * which Python, YAML, shell and prose run together with no markers. Rules, learnt from that file:
 * - a snippet starts at a TypeScript import (`import { ... } from "..."` or `import type { ... }`), which may begin
 *   in the middle of a line (glued to the end of a Python example) and may span lines; Python never uses braces there;
 * - it goes on while brackets are open; at bracket depth 0, after a `;` or `}`, it ends when what follows (the rest
 *   of the line, or else the next line) does not start like a statement: prose ("The same call shape..."),
 *   a numbered step ("3. Runtime registration"), a label ("TypeScript:"), YAML ("pools:") or a table all fail that test.
 * Tokens are read with the TypeScript scanner, so strings, template literals and comments never confuse the depth.
 */
import ts from "typescript";

export interface FaqSnippet {
  /** 1-based position among the file's TypeScript snippets. */
  index: number;
  /** 1-based line of the file where the snippet starts. */
  line: number;
  code: string;
}

const IMPORT_START = /(^|[^\w$.])(import\s+(?:type\s+)?\{[^{}]*\}\s*from\s*"[^"\n]+"\s*;?)/gm;
const STATEMENT_KEYWORDS = new Set([
  "import", "export", "const", "let", "var", "class", "function", "async", "await", "for", "while", "do", "if", "try",
  "return", "throw", "interface", "type", "declare", "abstract", "enum", "switch", "new",
]);

/** True when `text` begins like a TypeScript statement rather than prose, YAML, a heading or a table. */
export function startsLikeStatement(text: string): boolean {
  const trimmed = text.trimStart();
  if (trimmed === "") return false;
  if (trimmed.startsWith("//") || trimmed.startsWith("/*")) return true;
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, trimmed);
  const first = scanner.scan();
  const firstText = scanner.getTokenText();
  if (STATEMENT_KEYWORDS.has(firstText)) {
    // "for" / "if" in prose would be followed by a word, in code by "(" or "await".
    if (firstText === "for" || firstText === "if" || firstText === "while" || firstText === "switch") {
      const next = scanner.scan();
      return next === ts.SyntaxKind.OpenParenToken || scanner.getTokenText() === "await";
    }
    if (firstText === "type" || firstText === "interface" || firstText === "class" || firstText === "enum") {
      return scanner.scan() === ts.SyntaxKind.Identifier;
    }
    return true;
  }
  if (first !== ts.SyntaxKind.Identifier) return false;
  // A call or member access (`registerConnector(...)`, `console.log(...)`): an identifier glued to `(` or `.` and
  // the line ending in `;` or an open bracket, or holding a finished call (`...toBe(1);` glued to prose). Prose such as "Register via YAML" has a word after the first one.
  const second = scanner.scan();
  if (second !== ts.SyntaxKind.OpenParenToken && second !== ts.SyntaxKind.DotToken) return false;
  const firstLine = trimmed.split("\n")[0]!;
  return /[;{([,]\s*$/.test(firstLine) || /\)\s*;/.test(firstLine);
}

/** Every TypeScript snippet of the FAQ text, in order. */
export function extractTypeScriptSnippets(text: string): FaqSnippet[] {
  const snippets: FaqSnippet[] = [];
  let searchFrom = 0;
  for (;;) {
    IMPORT_START.lastIndex = searchFrom;
    const match = IMPORT_START.exec(text);
    if (!match) break;
    const start = match.index + match[1]!.length;
    const end = snippetEnd(text, start);
    snippets.push({ index: snippets.length + 1, line: text.slice(0, start).split("\n").length, code: text.slice(start, end).trimEnd() + "\n" });
    searchFrom = end;
  }
  return snippets;
}

function parsesCleanly(code: string): boolean {
  const file = ts.createSourceFile("snippet.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return (file as unknown as { parseDiagnostics: readonly ts.Diagnostic[] }).parseDiagnostics.length === 0;
}

function snippetEnd(text: string, start: number): number {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text, undefined, start);
  let depth = 0;
  // Template literals: depth of `${` openings inside a template, so their `}` resumes the template.
  const templateDepths: number[] = [];
  for (;;) {
    let kind = scanner.scan();
    if (kind === ts.SyntaxKind.EndOfFileToken) return text.length;
    if (kind === ts.SyntaxKind.CloseBraceToken && templateDepths.at(-1) === depth) {
      kind = scanner.reScanTemplateToken(false);
      if (kind === ts.SyntaxKind.TemplateTail) templateDepths.pop();
      continue;
    }
    if (kind === ts.SyntaxKind.TemplateHead) {
      templateDepths.push(depth);
      continue;
    }
    if (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) {
      // A regular expression after `(`, `,`, `=` or `.replace(`: the FAQ uses `/\/$/`.
      const before = text.slice(start, scanner.getTokenStart()).trimEnd().at(-1);
      if (before === "(" || before === "," || before === "=" || before === ":") scanner.reScanSlashToken();
    }
    if (kind === ts.SyntaxKind.OpenBraceToken || kind === ts.SyntaxKind.OpenParenToken || kind === ts.SyntaxKind.OpenBracketToken) depth++;
    else if (kind === ts.SyntaxKind.CloseBraceToken || kind === ts.SyntaxKind.CloseParenToken || kind === ts.SyntaxKind.CloseBracketToken) depth--;
    if (depth > 0) continue;
    if (kind !== ts.SyntaxKind.SemicolonToken && kind !== ts.SyntaxKind.CloseBraceToken) continue;
    const tokenEnd = scanner.getTokenEnd();
    // Only a cut that leaves complete statements counts (the `}` of `import { create }` is no statement end).
    if (!parsesCleanly(text.slice(start, tokenEnd))) continue;
    const lineEnd = text.indexOf("\n", tokenEnd) === -1 ? text.length : text.indexOf("\n", tokenEnd);
    const restOfLine = text.slice(tokenEnd, lineEnd);
    // `} catch`, `} else`, `});` and friends continue the statement.
    if (/^\s*(catch|else|finally|\)|,|\.|;)/.test(restOfLine)) continue;
    if (restOfLine.trim() !== "") {
      if (startsLikeStatement(restOfLine)) continue;
      return tokenEnd;
    }
    const nextLineEnd = text.indexOf("\n", lineEnd + 1) === -1 ? text.length : text.indexOf("\n", lineEnd + 1);
    if (!startsLikeStatement(text.slice(lineEnd + 1, nextLineEnd))) return tokenEnd;
  }
}
