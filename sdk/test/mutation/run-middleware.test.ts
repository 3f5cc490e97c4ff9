/**
 * core/middleware.ts observed directly: the onion order of runMiddleware's hooks, what each layer passes inward and
 * outward, and when an error is handled (a fallback) or goes on (no hook, or a hook that returns nothing).
 */
import { describe, expect, it } from "vitest";
import { runMiddleware, type MiddlewareContext, type MiddlewareLike } from "../../src/core/middleware.js";

const context: MiddlewareContext = { requestId: "r", poolName: "chat", capability: "chat-completion", modelId: "m", providerId: "p", attempt: 1, operation: "chat", stream: false, metadata: new Map() };

function layer(name: string, log: string[], hooks: Partial<Record<"before" | "after" | "error", boolean>> = { before: true, after: true }): MiddlewareLike {
  const middleware: MiddlewareLike = {};
  if (hooks.before) middleware.beforeRequest = async (request: string[]) => (log.push(`${name}:before`), [...request, name]);
  if (hooks.after) middleware.afterResponse = async (response: string) => (log.push(`${name}:after`), `${response}<${name}`);
  return middleware;
}

describe("runMiddleware", () => {
  it("runs beforeRequest outer to inner, the handler with the innermost request, then afterResponse inner to outer", async () => {
    const log: string[] = [];
    const answer = await runMiddleware([layer("outer", log), layer("middle", log, { after: true }), layer("inner", log, { before: true })], ["start"], context, async (request) => {
      log.push(`handler:${request.join(",")}`);
      return "answer";
    });
    expect(log).toEqual(["outer:before", "inner:before", "handler:start,outer,inner", "middle:after", "outer:after"]);
    expect(answer).toBe("answer<middle<outer");
  });

  it("with no middleware, calls the handler with the request as given", async () => {
    expect(await runMiddleware([], "request", context, async (request) => `got ${request}`)).toBe("got request");
  });

  it("lets the innermost onError replace a failure with a fallback that the outer layers then see", async () => {
    const log: string[] = [];
    const recover: MiddlewareLike = { onError: async (error: Error) => (log.push(`recover:${error.message}`), "fallback") };
    const answer = await runMiddleware([layer("outer", log), recover], [], context, async () => {
      throw new Error("boom");
    });
    expect(answer).toBe("fallback<outer");
    expect(log).toEqual(["outer:before", "recover:boom", "outer:after"]);
  });

  it("rethrows when no layer has onError, or when onError returns nothing", async () => {
    const failure = new Error("boom");
    const handler = async (): Promise<string> => {
      throw failure;
    };
    await expect(runMiddleware([layer("only", [])], [], context, handler)).rejects.toBe(failure);
    const seen: unknown[] = [];
    const logOnly: MiddlewareLike = { onError: async (error: Error) => void seen.push(error) };
    await expect(runMiddleware([logOnly], [], context, handler)).rejects.toBe(failure);
    expect(seen).toEqual([failure]);
    // An onError hook that throws its own error replaces the original one.
    const replace: MiddlewareLike = { onError: async () => Promise.reject(new Error("replaced")) };
    await expect(runMiddleware([replace], [], context, handler)).rejects.toThrow("replaced");
  });

  it("skips afterResponse of a layer whose onError handled the failure only when it has none", async () => {
    const both: MiddlewareLike = { onError: async () => "fallback", afterResponse: async (response: string) => `${response}!` };
    expect(await runMiddleware([both], [], context, async () => Promise.reject(new Error("x")))).toBe("fallback!");
    expect(await runMiddleware([both], [], context, async () => "ok")).toBe("ok!");
  });
});
