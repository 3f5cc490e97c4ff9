import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../wire/error-base.js";
import { importFailure, startLazyMesh } from "./load-mesh.js";

const scope = globalThis as { ServiceWorkerGlobalScope?: unknown };

describe("importFailure: a service worker that forbids import()", () => {
  afterEach(() => {
    delete scope.ServiceWorkerGlobalScope;
  });

  it("turns Chrome's refusal into a ConfigError that says how to bundle the worker, keeping the refusal as its cause", () => {
    const refusal = new TypeError("import() is disallowed on ServiceWorkerGlobalScope by the HTML specification. See https://github.com/w3c/ServiceWorker/issues/1356.");
    const error = importFailure(refusal);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/service worker cannot import\(\) ModelMesh: bundle it without code splitting, or use "modelmesh\/static"/);
    expect((error as ConfigError).cause).toBe(refusal);
    expect((error as ConfigError).path).toBe("");
  });

  it("startLazyMesh rejects with that ConfigError when loading the mesh is refused", async () => {
    const refusal = new TypeError("import() is disallowed on ServiceWorkerGlobalScope by the HTML specification.");
    const started = startLazyMesh({}, undefined, () => Promise.reject(refusal));
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toMatchObject({ cause: refusal });
  });

  it("recognises the worker by its global scope whatever the browser's message", () => {
    scope.ServiceWorkerGlobalScope = class {
      static [Symbol.hasInstance](value: unknown) {
        return value === globalThis;
      }
    };
    const refusal = new TypeError("dynamic module import is disabled");
    expect(importFailure(refusal)).toBeInstanceOf(ConfigError);
  });

  it("leaves any other failure as it is (a chunk that could not be fetched in a web page)", () => {
    const failure = new TypeError("Failed to fetch dynamically imported module: https://app.example/assets/lazy-mesh-1a2b.js");
    expect(importFailure(failure)).toBe(failure);
    // A loader may reject with anything, nothing included.
    expect(importFailure(undefined)).toBeUndefined();
  });
});
