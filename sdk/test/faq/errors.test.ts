/**
 * The error fields the FAQ uses (`e.attempts` a number, `e.retryAfter`, `e.limitType`...), and error classification
 * across two copies of the package (an app's own `modelmesh` beside the proxy's bundled one).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { errorReplyFor } from "../../../cors-proxy/src/errors.js";
import {
  AllProvidersExhaustedError,
  InvalidRequestError,
  ModelMeshError,
  ProviderError,
  RateLimitError,
  exhaustedError,
  isModelMeshError,
  isModelMeshErrorOf,
  type Attempt,
} from "../../src/index.js";

const limited = (provider: string, retryAfter?: number): Attempt => ({ provider, model: `${provider}-model`, error: new RateLimitError(`${provider} says slow down`, { providerId: provider, retryAfter }) });
const broken = (provider: string): Attempt => ({ provider, model: `${provider}-model`, error: new ProviderError(`${provider} failed`, { providerId: provider, status: 500 }, { retryable: true }) });

describe("AllProvidersExhaustedError", () => {
  it("counts attempts as a number and lists their errors", () => {
    const failures = [broken("a"), limited("b", 4), broken("c")];
    const error = new AllProvidersExhaustedError("chat", failures);
    expect(error.attempts).toBe(3);
    expect(`All ${error.attempts} attempts failed`).toBe("All 3 attempts failed");
    expect(error.errors).toEqual(failures.map((attempt) => attempt.error));
    expect(error.lastError).toBe(failures[2]!.error);
    expect(error.failures.map((attempt) => attempt.provider)).toEqual(["a", "b", "c"]);
    const revived = ModelMeshError.fromJSON(JSON.parse(JSON.stringify(error.toJSON()))) as AllProvidersExhaustedError;
    expect(revived).toBeInstanceOf(AllProvidersExhaustedError);
    expect(revived.attempts).toBe(3);
    expect(revived.target).toBe("chat");
    expect(revived.errors[1]).toBeInstanceOf(RateLimitError);
  });
});

describe("exhaustedError", () => {
  it("is a RateLimitError with the shortest wait when every attempt was rate limited", () => {
    const error = exhaustedError("chat", [limited("a", 30), limited("b", 7), limited("c")]);
    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.retryAfter).toBe(7);
    expect(rateLimit.providerId).toBe("b");
    expect(rateLimit.attempts).toBe(3);
    expect(rateLimit.errors).toHaveLength(3);
    expect(rateLimit.retryable).toBe(true);
    const revived = ModelMeshError.fromJSON(JSON.parse(JSON.stringify(rateLimit.toJSON()))) as RateLimitError;
    expect([revived.attempts, revived.retryAfter, revived.errors.length]).toEqual([3, 7, 3]);
  });

  it("is AllProvidersExhaustedError when any attempt failed otherwise", () => {
    expect(exhaustedError("chat", [limited("a", 3), broken("b")])).toBeInstanceOf(AllProvidersExhaustedError);
  });

  it("a provider's own RateLimitError counts one attempt", () => {
    expect(new RateLimitError("slow", { providerId: "a", retryAfter: 1 }).attempts).toBe(1);
  });
});

describe("errors from another copy of the package", () => {
  it("are recognised by name, with subclasses, where instanceof fails", async () => {
    // A second copy of the error modules, bundled on their own: what an app's own modelmesh beside the proxy's bundle
    // amounts to (its classes extend its own ModelMeshError).
    const bundled = await build({ stdin: { contents: 'export * from "./errors.js"; export * from "./error-base.js";', resolveDir: fileURLToPath(new URL("../../src/wire/", import.meta.url)), loader: "ts" }, bundle: true, format: "esm", write: false, logLevel: "silent" });
    const directory = await mkdtemp(join(tmpdir(), "modelmesh-second-copy-"));
    const file = join(directory, "errors.mjs");
    await writeFile(file, bundled.outputFiles[0]!.text);
    const other = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as typeof import("../../src/wire/errors.js") & typeof import("../../src/wire/error-base.js");
    await rm(directory, { recursive: true, force: true });
    expect(other.ModelMeshError).not.toBe(ModelMeshError);
    expect(other.RateLimitError).not.toBe(RateLimitError);
    const foreign = new other.RateLimitError("slow", { providerId: "a", retryAfter: 2 });
    expect(foreign instanceof RateLimitError).toBe(false);
    expect(isModelMeshError(foreign)).toBe(true);
    expect(isModelMeshErrorOf(foreign, RateLimitError)).toBe(true);
    expect(isModelMeshErrorOf(foreign, ProviderError)).toBe(true);
    expect(isModelMeshErrorOf(foreign, InvalidRequestError)).toBe(false);
    // A plain object that merely looks like one is not an error.
    expect(isModelMeshError({ name: "RateLimitError", code: "x", message: "m", retryable: true })).toBe(false);

    const identity = (text: string) => text;
    expect(errorReplyFor(foreign, identity, () => true)).toMatchObject({ status: 429, headers: { "retry-after": "2" } });
    expect(errorReplyFor(new other.InvalidRequestError("bad", "model"), identity, () => true)).toMatchObject({ status: 400, param: "model" });
    const exhausted = new other.AllProvidersExhaustedError("chat", [{ provider: "a", model: "m", error: new other.ProviderError("down", { providerId: "a", status: 500 }) }]);
    expect(errorReplyFor(exhausted, identity, () => true)).toMatchObject({ status: 502, code: "all_providers_exhausted" });
  });
});
