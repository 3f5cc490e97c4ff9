import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SecretNotFoundError } from "../src/wire/errors.js";
import { ConfigError } from "../src/wire/error-base.js";
import { DotenvSyntaxError, parseDotenv } from "../src/node/dotenv-parse.js";
import { DotenvSecretStore } from "../src/node/dotenv-secrets.js";

const directory = mkdtempSync(join(tmpdir(), "modelmesh-dotenv-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("parseDotenv", () => {
  it("reads plain, quoted and exported lines, skipping comments and blank lines", () => {
    const parsed = parseDotenv(
      [
        "# a comment line",
        "",
        "PLAIN=value",
        "SPACED =  around the equals  ",
        "export EXPORTED=yes",
        "export   QUOTED_EXPORT=\"q\"",
        "TRAILING=abc # a comment after whitespace",
        "HASH_INSIDE=abc#def",
        "ONLY_COMMENT=# nothing",
        "SINGLE='literal \\n $HOME # not a comment'",
        'DOUBLE="tab\\there \\"quoted\\" back\\\\slash \\$ \\x"  # comment',
        "EMPTY=",
        "EMPTY_QUOTED=''",
        "dotted.name-1=ok",
      ].join("\n"),
    );
    expect({ ...parsed }).toEqual({
      PLAIN: "value",
      SPACED: "around the equals",
      EXPORTED: "yes",
      QUOTED_EXPORT: "q",
      TRAILING: "abc",
      HASH_INSIDE: "abc#def",
      ONLY_COMMENT: "",
      SINGLE: "literal \\n $HOME # not a comment",
      DOUBLE: 'tab\there "quoted" back\\slash $ \\x',
      EMPTY: "",
      EMPTY_QUOTED: "",
      "dotted.name-1": "ok",
    });
  });

  it("keeps line breaks of multi-line double-quoted values, indentation included, and \\n escapes", () => {
    const pem = "-----BEGIN KEY-----\n  line two  \nline three\n-----END KEY-----";
    const parsed = parseDotenv(`FIRST=1\nPEM="${pem}"\nESCAPED="a\\nb\\r\\n"\nLAST=2\r\n`);
    expect(parsed.PEM).toBe(pem);
    expect(parsed.ESCAPED).toBe("a\nb\r\n");
    expect(parsed.FIRST).toBe("1");
    expect(parsed.LAST).toBe("2");
  });

  it("lets a later line of the same name win, and names like __proto__ stay plain data", () => {
    const parsed = parseDotenv("KEY=first\nKEY=second\n__proto__=x\nconstructor=y\n");
    expect(parsed.KEY).toBe("second");
    expect(Object.hasOwn(parsed, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("names the bad line by number and never quotes it", () => {
    const secret = "sk-proj-never-in-an-error-000000";
    for (const [text, line, problem] of [
      [`A=1\n${secret}\n`, 2, /expected NAME=value/],
      [`A=1\n\n1BAD=${secret}`, 3, /name before =/],
      [`A="${secret}\nB=2\n`, 1, /never closed/],
      [`A="${secret}" trailing`, 1, /only a # comment/],
    ] as const) {
      const error = (() => {
        try {
          parseDotenv(text);
        } catch (caught) {
          return caught;
        }
      })() as DotenvSyntaxError;
      expect(error).toBeInstanceOf(DotenvSyntaxError);
      expect(error.line).toBe(line);
      expect(error.message).toMatch(problem);
      expect(error.message).not.toContain(secret);
    }
  });
});

describe("DotenvSecretStore (modelmesh.dotenv.v1)", () => {
  it("reads the file on first use, counts an empty value as missing, and re-reads after reload()", async () => {
    const path = join(directory, "app.env");
    const store = new DotenvSecretStore({ path });
    writeFileSync(path, 'OPENAI_API_KEY="sk-first"\nGROQ_API_KEY=\n');
    expect(await store.get("OPENAI_API_KEY")).toBe("sk-first");
    expect(await store.has("GROQ_API_KEY")).toBe(false);
    expect(await store.names()).toEqual(["OPENAI_API_KEY"]);
    writeFileSync(path, "OPENAI_API_KEY=sk-second\n");
    expect(await store.get("OPENAI_API_KEY")).toBe("sk-first");
    store.reload();
    expect(await store.get("OPENAI_API_KEY")).toBe("sk-second");
  });

  it("never reads or changes process.env", async () => {
    const path = join(directory, "isolated.env");
    writeFileSync(path, "MM_DOTENV_ONLY_IN_FILE=1\n");
    process.env.MM_DOTENV_ONLY_IN_ENV = "from-env";
    try {
      const store = new DotenvSecretStore({ path });
      expect(await store.get("MM_DOTENV_ONLY_IN_FILE")).toBe("1");
      expect(process.env.MM_DOTENV_ONLY_IN_FILE).toBeUndefined();
      await expect(store.get("MM_DOTENV_ONLY_IN_ENV")).rejects.toBeInstanceOf(SecretNotFoundError);
    } finally {
      delete process.env.MM_DOTENV_ONLY_IN_ENV;
    }
  });

  it("reports a missing file as a ConfigError naming the path, and finds the file once it exists", async () => {
    const path = join(directory, "later.env");
    const store = new DotenvSecretStore({ path });
    const error = await store.get("KEY").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`${path} does not exist`);
    expect((error as ConfigError).path).toBe("secrets.config.path");
    writeFileSync(path, "KEY=appeared\n");
    expect(await store.get("KEY")).toBe("appeared");
  });

  it("reports a syntax error with the file and line, without the line's text", async () => {
    const path = join(directory, "broken.env");
    writeFileSync(path, "GOOD=1\nsk-proj-a-pasted-key-without-a-name\n");
    const error = await new DotenvSecretStore({ path }).get("GOOD").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${path} line 2`);
    expect((error as Error).message).not.toContain("sk-proj");
  });

  it("defaults to .env and refuses an empty path", () => {
    expect(new DotenvSecretStore().path).toBe(".env");
    expect(() => new DotenvSecretStore({ path: "" })).toThrow(ConfigError);
  });

  it("is named by dotenv in a configuration and serves ${secrets:NAME}", async () => {
    const { create } = await import("../src/index.js");
    const { startFakeOpenAI } = await import("./fakes/openai.js");
    const fake = await startFakeOpenAI({ name: "dotenv", models: ["gpt-4o"] });
    const path = join(directory, "mesh.env");
    writeFileSync(path, "export CORP_KEY='corp-key-from-dotenv-123'\n");
    const client = create({
      config: `secrets:\n  store: dotenv\n  config:\n    path: ${path}\nproviders:\n  corp:\n    connector: openai-compatible\n    config:\n      base_url: ${fake.url}\n      api_key: "\${secrets:CORP_KEY}"\n      models: [{ id: gpt-4o, capabilities: [chat-completion] }]\n`,
    });
    try {
      await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
      expect(fake.requests.at(-1)!.headers.authorization).toBe("Bearer corp-key-from-dotenv-123");
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
