/**
 * A `.env` parser with the rules of the `dotenv` package and docker compose, written out so that a bad line is
 * reported by its number and never by its text (a `.env` line usually holds a key).
 */

/**
 * A line that is not `NAME=value`; `line` is 1-based. The message never quotes the line.
 * @example
 * try { parseDotenv(text) } catch (error) { if (error instanceof DotenvSyntaxError) console.error(`.env line ${error.line}`) }
 */
export class DotenvSyntaxError extends Error {
  override name = "DotenvSyntaxError";
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const DOUBLE_QUOTED_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\", $: "$" };

/**
 * Parses `.env` text into name → value. Rules:
 * - blank lines and lines starting with `#` are skipped; `export NAME=value` is `NAME=value`;
 * - unquoted values are trimmed and end at ` #` (a comment after whitespace); `NAME=` is the empty string;
 * - `'single quotes'` keep their text literally; `"double quotes"` understand `\n \r \t \" \\ \$`
 *   (any other backslash is kept as written); both may span lines;
 * - after a closing quote only whitespace and a `# comment` may follow; a later line of the same name wins.
 * @throws DotenvSyntaxError naming the line (never its text) for a line that is not `NAME=value` or an unclosed quote.
 * @example
 * parseDotenv('export OPENAI_API_KEY="sk-..." # work\nGROQ_API_KEY=gsk-...\n');
 * // { OPENAI_API_KEY: "sk-...", GROQ_API_KEY: "gsk-..." }
 */
export function parseDotenv(text: string): Record<string, string> {
  const lines = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n");
  // A null-prototype object: a `.env` may define `constructor` or `__proto__` without touching Object.prototype.
  const result: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const raw = lines[index]!;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const equals = raw.indexOf("=");
    if (equals === -1) throw new DotenvSyntaxError(lineNumber, "expected NAME=value");
    const name = raw.slice(0, equals).trim().replace(/^export\s+/, "");
    if (!NAME.test(name)) throw new DotenvSyntaxError(lineNumber, "the name before = must be letters, digits, _ . or - (not starting with a digit)");
    // From the raw line: a quoted value keeps trailing spaces before a line break.
    const rest = raw.slice(equals + 1).trimStart();
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      const comment = rest.search(/(^|\s)#/);
      result[name] = (comment === -1 ? rest : rest.slice(0, comment)).trim();
      continue;
    }
    // A quoted value may continue on the next lines: read from the raw lines until the closing quote.
    let body = rest.slice(1);
    let value = "";
    let closed = false;
    for (;;) {
      let position = 0;
      while (position < body.length) {
        const character = body[position]!;
        if (character === quote) {
          closed = true;
          break;
        }
        if (quote === '"' && character === "\\" && position + 1 < body.length) {
          const next = body[position + 1]!;
          value += DOUBLE_QUOTED_ESCAPES[next] ?? `\\${next}`;
          position += 2;
          continue;
        }
        value += character;
        position++;
      }
      if (closed) {
        const after = body.slice(position + 1).trim();
        if (after !== "" && !after.startsWith("#")) throw new DotenvSyntaxError(index + 1, "only a # comment may follow a closing quote");
        break;
      }
      if (index + 1 >= lines.length) throw new DotenvSyntaxError(lineNumber, `the ${quote === '"' ? "double" : "single"} quote opened here is never closed`);
      value += "\n";
      index++;
      // Inner lines keep their indentation: that is part of the value (a PEM key, a JSON blob).
      body = lines[index]!;
    }
    result[name] = value;
  }
  return result;
}
