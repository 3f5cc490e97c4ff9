import { describe, expect, it } from "vitest";
import { ProviderError } from "../src/wire/errors.js";
import { anthropicStreamError } from "../src/provider/anthropic/errors.js";
import { finishReason as anthropicFinishReason } from "../src/provider/anthropic/response.js";
import { finishReason as geminiFinishReason } from "../src/provider/gemini/response.js";
import { fromCohereResponse } from "../src/provider/cohere/response.js";
import { mapCohereEvent } from "../src/provider/cohere/stream.js";
import { normalizeFinishReason } from "../src/provider/normalize.js";

// Values a service sends are looked up in the connectors' tables; a plain object also answers the names of
// Object.prototype, which would turn into functions where a finish reason or an HTTP status belongs.
const PROTOTYPE_NAMES = ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"];
const fail = (reason: string) => new Error(reason);

describe("service values named like Object.prototype members", () => {
  it.each(PROTOTYPE_NAMES)("finish reason %s is a normal stop in every wire format", (name) => {
    expect(anthropicFinishReason(name)).toBe("stop");
    expect(geminiFinishReason(name, false)).toBe("stop");
    expect(normalizeFinishReason(name)).toBe("stop");
    const answer = fromCohereResponse({ id: "r1", finish_reason: name, message: { role: "assistant", content: [{ type: "text", text: "Hi" }] } }, fail);
    expect((answer as unknown as { choices: Array<{ finish_reason: unknown }> }).choices[0]?.finish_reason).toBe("stop");
    const end = mapCohereEvent({ event: "message-end", data: JSON.stringify({ type: "message-end", delta: { finish_reason: name } }) } as never, {}, fail);
    const chunk = (Array.isArray(end) ? end[0] : end) as { choices: Array<{ finish_reason: unknown }> };
    expect(chunk.choices[0]?.finish_reason).toBe("stop");
  });

  it.each(PROTOTYPE_NAMES)("an Anthropic stream error of type %s is a typed 500, not a crash", (name) => {
    const error = anthropicStreamError({ type: "error", error: { type: name, message: "odd" } }, { providerId: "anthropic", modelId: "claude-haiku-4-5", secrets: [] });
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(500);
    expect((error as ProviderError).retryable).toBe(true);
  });
});
