import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// Checks what crosses the wire against OpenAI's official JSON schemas. The schema file lives outside the
// repository (../shared/wire, or the path in MODELMESH_WIRE_SCHEMAS); when it is missing the tests that use it
// fail, naming the file, rather than passing without having checked anything.

export type WireKind =
  | "request.chat"
  | "request.embeddings"
  | "response.chat"
  | "response.chunk"
  | "response.embeddings"
  | "response.error"
  | "response.models";

export interface WireValidator {
  /** Problems found in `value` as `kind`; empty means valid. Each message names the failing path. */
  validate(kind: WireKind, value: unknown): string[];
  /**
   * Problems in a raw chat SSE body: every data frame must be a valid chunk, the stream must end with
   * `data: [DONE]`, and with include_usage every chunk carries `usage` (null until the last, which has `choices: []`).
   */
  validateChatStream(body: string, options?: { includeUsage?: boolean }): string[];
}

interface SchemaFile {
  roots: { request: Record<string, string>; response: Record<string, string> };
  schema: { $id: string } & Record<string, unknown>;
}

const cached = new Map<string, WireValidator>();

/**
 * Loads OpenAI's schemas from `path` (default: `MODELMESH_WIRE_SCHEMAS`, else
 * `<repoRoot>/../shared/wire/openai-schemas.json`). Throws, naming the file, when it is missing.
 *
 * @example
 * const validator = wireValidator();
 * expect(validator.validate("response.chat", completion)).toEqual([]);
 */
export function wireValidator(path: string = defaultSchemaPath()): WireValidator {
  let validator = cached.get(path);
  if (validator === undefined) {
    validator = loadValidator(path);
    cached.set(path, validator);
  }
  return validator;
}

function defaultSchemaPath(): string {
  const configured = process.env["MODELMESH_WIRE_SCHEMAS"];
  if (configured) return resolve(configured);
  const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  return resolve(repositoryRoot, "..", "shared", "wire", "openai-schemas.json");
}

function loadValidator(path: string): WireValidator {
  if (!existsSync(path)) {
    throw new Error(`wire schemas not found at ${path}: the wire checks cannot run without OpenAI's schemas (set MODELMESH_WIRE_SCHEMAS to the file's path)`);
  }
  const file = JSON.parse(readFileSync(path, "utf8")) as SchemaFile;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  // The spec annotates numbers with OpenAPI formats that JSON Schema has no checker for.
  ajv.addFormat("float", { type: "number", validate: () => true });
  ajv.addFormat("double", { type: "number", validate: () => true });
  ajv.addSchema(file.schema);
  const compiled = compileRoots(ajv, file);
  const validate = (kind: WireKind, value: unknown): string[] => validateKind(compiled, kind, value);
  return { validate, validateChatStream: (body, options = {}) => checkChatStream(validate, body, options.includeUsage === true) };
}

function addFormats(ajv: Ajv2020): void {
  // ajv-formats is CommonJS: depending on the loader its default import is the plugin or the module around it.
  const module = addFormatsModule as unknown as { default?: (instance: Ajv2020) => void } & ((instance: Ajv2020) => void);
  (module.default ?? module)(ajv);
}

function compileRoots(ajv: Ajv2020, file: SchemaFile): Map<WireKind, ValidateFunction> {
  const compiled = new Map<WireKind, ValidateFunction>();
  for (const side of ["request", "response"] as const) {
    for (const [name, definition] of Object.entries(file.roots[side])) {
      compiled.set(`${side}.${name}` as WireKind, ajv.compile({ $ref: `${file.schema.$id}#/$defs/${definition}` }));
    }
  }
  return compiled;
}

function validateKind(compiled: Map<WireKind, ValidateFunction>, kind: WireKind, value: unknown): string[] {
  const validate = compiled.get(kind);
  if (!validate) return [`${kind}: no schema root with this name`];
  const { checked, problems } = prepare(kind, value);
  if (!validate(checked)) problems.push(...(validate.errors ?? []).map((error) => describe(kind, error)));
  return problems;
}

/** Rules the spec states in prose rather than in its schemas; some also reshape the value before schema checks. */
function prepare(kind: WireKind, value: unknown): { checked: unknown; problems: string[] } {
  if (kind === "request.chat") return { checked: value, problems: chatRequestRules(value) };
  if (kind === "response.embeddings") return base64Embeddings(value);
  return { checked: value, problems: [] };
}

function chatRequestRules(value: unknown): string[] {
  if (!isRecord(value)) return [];
  const problems: string[] = [];
  if (present(value["stream_options"]) && value["stream"] !== true) {
    problems.push("request.chat: /stream_options is only allowed when stream is true");
  }
  if (present(value["top_logprobs"]) && value["logprobs"] !== true) {
    problems.push("request.chat: /top_logprobs is only allowed when logprobs is true");
  }
  return problems;
}

/**
 * encoding_format "base64" (the official client's default) returns each embedding as little-endian float32 bytes
 * in base64, which the spec's Embedding schema does not model: check the string, then validate a float stand-in.
 */
function base64Embeddings(value: unknown): { checked: unknown; problems: string[] } {
  if (!isRecord(value) || !Array.isArray(value["data"])) return { checked: value, problems: [] };
  const problems: string[] = [];
  const data = value["data"].map((entry: unknown, index: number) => {
    if (!isRecord(entry) || typeof entry["embedding"] !== "string") return entry;
    const text = entry["embedding"];
    const bytes = Buffer.from(text, "base64");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0 || bytes.length % 4 !== 0) {
      problems.push(`response.embeddings: /data/${index}/embedding is not base64 of float32 values`);
    }
    return { ...entry, embedding: [] };
  });
  return { checked: { ...value, data }, problems };
}

function describe(kind: WireKind, error: ErrorObject): string {
  const path = error.instancePath === "" ? "/" : error.instancePath;
  const params = error.params as Record<string, unknown>;
  const detail = params["additionalProperty"] ?? params["allowedValues"] ?? params["missingProperty"];
  return `${kind}: ${path} ${error.message ?? "is invalid"}${detail === undefined ? "" : ` (${JSON.stringify(detail)})`}`;
}

function checkChatStream(validate: (kind: WireKind, value: unknown) => string[], body: string, includeUsage: boolean): string[] {
  const payloads = dataPayloads(body);
  const problems: string[] = [];
  if (payloads.at(-1) !== "[DONE]") problems.push("stream: does not end with data: [DONE]");
  const done = payloads.indexOf("[DONE]");
  if (done >= 0 && done !== payloads.length - 1) problems.push("stream: data after [DONE]");
  const chunks: Record<string, unknown>[] = [];
  for (const [index, payload] of payloads.entries()) {
    if (payload === "[DONE]") continue;
    const parsed = parseJson(payload);
    if (!isRecord(parsed)) {
      problems.push(`stream: frame ${index} is not a JSON object`);
      continue;
    }
    chunks.push(parsed);
    problems.push(...validate("response.chunk", parsed).map((problem) => `frame ${index}: ${problem}`));
  }
  if (includeUsage) problems.push(...usageRules(chunks));
  return problems;
}

function usageRules(chunks: Record<string, unknown>[]): string[] {
  const problems: string[] = [];
  const last = chunks.at(-1);
  if (!last || !Array.isArray(last["choices"]) || last["choices"].length !== 0 || !isRecord(last["usage"])) {
    problems.push("stream: with include_usage the last chunk must have choices [] and a usage object");
  }
  chunks.slice(0, -1).forEach((chunk, index) => {
    if (chunk["usage"] !== null) problems.push(`stream: chunk ${index} must carry usage: null before the usage chunk`);
  });
  return problems;
}

/** SSE framing: events end with a blank line; data lines of one event join with "\n"; comment lines start with ":". */
function dataPayloads(body: string): string[] {
  return body
    .replace(/\r\n?/g, "\n")
    .split("\n\n")
    .map((event) =>
      event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""))
        .join("\n"),
    )
    .filter((data) => data !== "");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
