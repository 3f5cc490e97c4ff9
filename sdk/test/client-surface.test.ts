import { describe, expect, it } from "vitest";
import { create } from "../src/index.js";

// What JavaScript code written for the official client finds on the mesh's client: the methods it has, and no
// internal method under a name the official client uses for something else.

describe("the chat completions resource", () => {
  it("has create, and no stream() of another shape (the official client's helper is not offered)", async () => {
    const client = create({ config: { providers: { p: { connector: "openai-compatible", config: { base_url: "http://127.0.0.1:9/v1", api_key: "sk-x", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] } } } } });
    const completions = client.chat.completions as unknown as Record<string, unknown>;
    expect(typeof completions.create).toBe("function");
    expect(completions.stream).toBeUndefined();
    await client.close();
  });
});
