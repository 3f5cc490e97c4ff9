import { describe, expect, it } from "vitest";
import { CohereProvider, ProviderError } from "../../src/index.js";
import { drain, shapes, sse, wireCapture, type Reply } from "./wire-capture.js";

// Cohere v2's wire translation pinned exactly: the body Cohere would receive for each OpenAI field, and the OpenAI
// answer (chat, stream chunks, embeddings, rerank, failed finishes) a caller gets for each Cohere body.

const apiKey = "co-mutation-KEY-0123456789";
const provider = (...replies: Reply[]) => {
  const wire = wireCapture(...replies);
  return { wire, cohere: new CohereProvider({ apiKey, fetch: wire.fetch }) };
};
const complete = (text: string): Reply => ({ json: { id: "c-1", message: { role: "assistant", content: [{ type: "text", text }] }, finish_reason: "COMPLETE" } });
const user = (content: string) => ({ role: "user" as const, content });

describe("Cohere request body", () => {
  it("every sampling field under Cohere's name, zeros included; max_completion_tokens wins", async () => {
    const { wire, cohere } = provider(complete("ok"));
    await cohere.chat({ model: "command-a-03-2025", messages: [user("Hi")], max_completion_tokens: 5, max_tokens: 50, temperature: 0, top_p: 0, seed: 0, frequency_penalty: 0, presence_penalty: 0, stop: ["x", "y"], n: 1, user: "u1", parallel_tool_calls: true });
    expect(wire.last().url).toBe("https://api.cohere.com/v2/chat");
    expect(wire.last().headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(wire.last().body).toEqual({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }], max_tokens: 5, temperature: 0, p: 0, seed: 0, frequency_penalty: 0, presence_penalty: 0, stop_sequences: ["x", "y"] });
    await cohere.chat({ model: "command-a-03-2025", messages: [user("Hi")], max_tokens: 50, stop: "END" });
    expect(wire.last().body).toEqual({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }], max_tokens: 50, stop_sequences: ["END"] });
    await cohere.chat({ model: "command-a-03-2025", messages: [user("Hi")] });
    expect(wire.last().body).toEqual({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hi" }] });
  });

  it("each role as Cohere's message: system text, user string or parts, assistant with and without calls, tool", async () => {
    const { wire, cohere } = provider(complete("ok"));
    await cohere.chat({
      model: "command-a-vision-07-2025",
      messages: [
        { role: "developer", content: [{ type: "text", text: "Be" }, { type: "text", text: " brief." }] },
        { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
        { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAA=" } }, { type: "image_url", image_url: { url: "https://x.test/i.png" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
        { role: "tool", tool_call_id: "t1", content: "42" },
        { role: "assistant", content: "sure", tool_calls: [{ id: "t2", type: "function", function: { name: "g", arguments: "{}" } }] },
        { role: "assistant", content: null },
      ],
    });
    expect((wire.last().body as { messages: unknown }).messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "ab" },
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAA=" } },
          { type: "image_url", image_url: { url: "https://x.test/i.png" } },
        ],
      },
      { role: "assistant", tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
      { role: "tool", tool_call_id: "t1", content: "42" },
      { role: "assistant", tool_plan: "sure", tool_calls: [{ id: "t2", type: "function", function: { name: "g", arguments: "{}" } }] },
      { role: "assistant", content: "" },
    ]);
  });

  it("tools in Cohere's shape; tool_choice required/none/auto/named; no tool_choice without tools; json formats", async () => {
    const { wire, cohere } = provider(complete("ok"));
    const tools = [
      { type: "function" as const, function: { name: "a", description: "first", parameters: { type: "object", properties: { q: { type: "string" } } } } },
      { type: "function" as const, function: { name: "b" } },
    ];
    const sent = async (extra: Record<string, unknown>) => {
      await cohere.chat({ model: "command-a-03-2025", messages: [user("x")], ...extra });
      const { model: _model, messages: _messages, ...rest } = wire.last().body as Record<string, unknown>;
      return rest;
    };
    const both = [
      { type: "function", function: { name: "a", description: "first", parameters: { type: "object", properties: { q: { type: "string" } } } } },
      { type: "function", function: { name: "b", parameters: { type: "object", properties: {} } } },
    ];
    expect(await sent({ tools })).toEqual({ tools: both });
    expect(await sent({ tools, tool_choice: "auto" })).toEqual({ tools: both });
    expect(await sent({ tools, tool_choice: "required" })).toEqual({ tools: both, tool_choice: "REQUIRED" });
    expect(await sent({ tools, tool_choice: "none" })).toEqual({ tools: both, tool_choice: "NONE" });
    expect(await sent({ tools, tool_choice: { type: "function", function: { name: "b" } } })).toEqual({ tools: [both[1]], tool_choice: "REQUIRED" });
    expect(await sent({ tools, tool_choice: { type: "function", function: { name: "missing" } } })).toEqual({});
    expect(await sent({ tool_choice: "required" })).toEqual({});
    expect(await sent({ tools: [], tool_choice: "none" })).toEqual({});
    expect(await sent({ response_format: { type: "json_object" } })).toEqual({ response_format: { type: "json_object" } });
    expect(await sent({ response_format: { type: "json_schema", json_schema: { name: "s", schema: { type: "object" } } } })).toEqual({ response_format: { type: "json_object", json_schema: { type: "object" } } });
    expect(await sent({ response_format: { type: "json_schema", json_schema: { name: "s" } } })).toEqual({ response_format: { type: "json_object", json_schema: {} } });
    expect(await sent({ response_format: { type: "text" } })).toEqual({});
  });

  it("refuses n > 1, logprobs and unknown roles before sending", async () => {
    const { wire, cohere } = provider(complete("ok"));
    for (const extra of [{ n: 2 }, { logprobs: true }, { messages: [{ role: "critic", content: "x" }] }]) {
      const error = (await cohere.chat({ model: "command-a-03-2025", messages: [user("x")], ...extra } as never).catch((caught: unknown) => caught)) as ProviderError;
      expect(error.code, JSON.stringify(extra)).toBe("unsupported_parameter");
    }
    const role = (await cohere.chat({ model: "command-a-03-2025", messages: [{ role: "critic", content: "x" }] } as never).catch((caught: unknown) => caught)) as ProviderError;
    expect(role.message).toBe('cohere does not support a message with role "critic"');
    expect(wire.requests).toHaveLength(0);
  });
});

describe("Cohere answers in OpenAI's shape", () => {
  it("text parts joined, tool calls mapped, billed units as usage", async () => {
    const { cohere } = provider({
      json: {
        id: "c-7",
        message: { role: "assistant", content: [{ type: "text", text: "Hel" }, { type: "thinking", text: "x" }, { type: "text", text: "lo" }], tool_calls: [{ id: "k", type: "function", function: { name: "f", arguments: '{"a":1}' } }, "junk", { id: 5, function: {} }], tool_plan: "plan" },
        finish_reason: "TOOL_CALL",
        usage: { billed_units: { input_tokens: 3, output_tokens: 4 }, tokens: { input_tokens: 100, output_tokens: 200 } },
      },
    });
    const { body } = await cohere.chat({ model: "command-a-03-2025", messages: [user("Hi")] });
    expect(body.id).toBe("c-7");
    expect(body.choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Hello",
          refusal: null,
          tool_calls: [
            { id: "k", type: "function", function: { name: "f", arguments: '{"a":1}' } },
            { id: "5", type: "function", function: { name: "undefined", arguments: "{}" } },
          ],
        },
        logprobs: null,
        finish_reason: "tool_calls",
      },
    ]);
    expect(body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it("content null when only calls; string content; tokens when no billed units; finish reasons mapped", async () => {
    const cases: Array<[Record<string, unknown>, unknown, string, unknown]> = [
      [{ message: { content: [], tool_calls: [{ id: "k", function: { name: "f" } }] }, finish_reason: "TOOL_CALL" }, null, "tool_calls", undefined],
      [{ message: { content: "plain" }, finish_reason: "MAX_TOKENS", usage: { tokens: { input_tokens: 2, output_tokens: 1 } } }, "plain", "length", { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 }],
      [{ message: { content: 7 }, finish_reason: "STOP_SEQUENCE", usage: {} }, "", "stop", { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
      [{ message: {}, finish_reason: "SOMETHING_NEW", usage: { billed_units: { input_tokens: "9", output_tokens: Number.NaN } } }, "", "stop", { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
      [{ message: { content: [{ type: "text", text: "x" }] } }, "x", "stop", undefined],
    ];
    for (const [reply, content, finish, usage] of cases) {
      const { cohere } = provider({ json: reply });
      const { body } = await cohere.chat({ model: "command-a-03-2025", messages: [user("Hi")] });
      expect(body.choices[0]?.message.content, JSON.stringify(reply)).toBe(content);
      expect(body.choices[0]?.finish_reason).toBe(finish);
      if (usage) expect(body.usage).toEqual(usage);
      else expect(body.usage).not.toEqual(expect.objectContaining({ prompt_tokens: 0, total_tokens: 0, completion_tokens: 0 }));
    }
  });

  it("failed finishes are retryable server errors naming the reason; a body without a message is malformed", async () => {
    for (const reason of ["ERROR", "TIMEOUT", "ERROR_TOXIC", "ERROR_LIMIT"]) {
      const { cohere } = provider({ json: { message: { content: [] }, finish_reason: reason } });
      const error = (await cohere.chat({ model: "command-a-03-2025", messages: [user("Hi")] }).catch((caught: unknown) => caught)) as ProviderError;
      expect(error).toBeInstanceOf(ProviderError);
      expect([error.code, error.retryable, error.message]).toEqual(["server_error", true, `cohere ended the answer with finish_reason ${reason}`]);
    }
    const { cohere } = provider({ json: { id: "x", finish_reason: "COMPLETE" } });
    const error = (await cohere.chat({ model: "command-a-03-2025", messages: [user("Hi")] }).catch((caught: unknown) => caught)) as ProviderError;
    expect(error.code).toBe("malformed_response");
    expect(error.message).toContain("the body has no message");
  });
});

describe("Cohere streams as OpenAI chunks", () => {
  it("maps every event type exactly, with dense tool indexes and usage after the finish", async () => {
    const events: Array<[string, unknown]> = [
      ["message-start", { type: "message-start", id: "s-1", delta: { message: { role: "assistant" } } }],
      ["content-start", { type: "content-start", index: 0 }],
      ["content-delta", { type: "content-delta", index: 0, delta: { message: { content: { text: "Hi" } } } }],
      ["content-delta", { type: "content-delta", index: 0, delta: { message: { content: { text: "" } } } }],
      ["tool-plan-delta", { type: "tool-plan-delta", delta: { message: { tool_plan: "plan" } } }],
      ["tool-call-start", { type: "tool-call-start", index: 3, delta: { message: { tool_calls: { id: "tc", type: "function", function: { name: "f", arguments: "" } } } } }],
      ["tool-call-delta", { type: "tool-call-delta", index: 3, delta: { message: { tool_calls: { function: { arguments: '{"a"' } } } } }],
      ["tool-call-delta", { type: "tool-call-delta", index: 3, delta: { message: { tool_calls: { function: { arguments: "" } } } } }],
      ["tool-call-delta", { type: "tool-call-delta", index: 9, delta: { message: { tool_calls: { function: { arguments: "lost" } } } } }],
      ["tool-call-delta", { type: "tool-call-delta", delta: { message: { tool_calls: { function: { arguments: "noindex" } } } } }],
      ["tool-call-start", { type: "tool-call-start", delta: { message: { tool_calls: { id: "td", function: { name: 5, arguments: "{}" } } } } }],
      ["tool-call-start", { type: "tool-call-start", index: 8, delta: { message: {} } }],
      ["message-end", { type: "message-end", delta: { finish_reason: "TOOL_CALL", usage: { billed_units: { input_tokens: 2, output_tokens: 3 } } } }],
    ];
    const { cohere } = provider({ text: sse(...events) });
    const chunks = shapes(await drain((await cohere.chatStream({ model: "command-a-03-2025", messages: [user("Hi")] })).body));
    const base = { id: "s-1", object: "chat.completion.chunk", model: "command-a-03-2025" };
    expect(chunks).toEqual([
      { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: "plan" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "tc", type: "function", function: { name: "f", arguments: "" } }] }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: "td", type: "function", function: { name: "", arguments: "{}" } }] }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
      { ...base, choices: [], usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } },
    ]);
  });

  it("the event name stands in for a missing type; no usage chunk without usage; MAX_TOKENS → length; unknown → stop", async () => {
    const { cohere } = provider(
      { text: `event: message-start\ndata: {"id":"s-2"}\n\ndata: \n\nevent: content-delta\ndata: {"delta":{"message":{"content":{"text":"A"}}}}\n\nevent: message-end\ndata: {"delta":{"finish_reason":"MAX_TOKENS"}}\n\n` },
      { text: sse(["message-start", { type: "message-start" }], ["message-end", { type: "message-end", delta: { finish_reason: "NEW_THING" } }]) },
      { text: sse(["message-start", { type: "message-start" }], ["message-end", { type: "message-end" }]) },
    );
    const first = shapes(await drain((await cohere.chatStream({ model: "command-a-03-2025", messages: [user("Hi")] })).body));
    expect(first.map((chunk) => [chunk.id, chunk.choices])).toEqual([
      ["s-2", [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]],
      ["s-2", [{ index: 0, delta: { content: "A" }, finish_reason: null }]],
      ["s-2", [{ index: 0, delta: {}, finish_reason: "length" }]],
    ]);
    const second = await drain((await cohere.chatStream({ model: "command-a-03-2025", messages: [user("Hi")] })).body);
    expect(second.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([null, "stop"]);
    const third = await drain((await cohere.chatStream({ model: "command-a-03-2025", messages: [user("Hi")] })).body);
    expect(third.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([null, "stop"]);
  });

  it("a failed finish is a retryable error naming the model; a non-object event is malformed", async () => {
    const { cohere } = provider({ text: sse(["message-start", { type: "message-start", id: "s" }], ["message-end", { type: "message-end", delta: { finish_reason: "ERROR_LIMIT" } }]) }, { text: sse(["message-start", "[1]"]) });
    const error = (await drain((await cohere.chatStream({ model: "command-r-08-2024", messages: [user("Hi")] })).body).catch((caught: unknown) => caught)) as ProviderError;
    expect([error.code, error.retryable, error.modelId, error.message]).toEqual(["server_error", true, "command-r-08-2024", "cohere (command-r-08-2024) ended the answer with finish_reason ERROR_LIMIT"]);
    const malformed = (await drain((await cohere.chatStream({ model: "command-r-08-2024", messages: [user("Hi")] })).body).catch((caught: unknown) => caught)) as ProviderError;
    expect(malformed.code).toBe("malformed_response");
    expect(malformed.message).toContain("the event is not a JSON object");
  });
});

describe("Cohere embeddings, rerank and identity", () => {
  it("embed body (input_type, dimensions), floats or base64, billed tokens as usage", async () => {
    const { wire, cohere } = provider({ json: { embeddings: { float: [[1, 0], [0.5]] }, meta: { billed_units: { input_tokens: 6 } } } }, { json: { embeddings: { float: [[1, 0]] } } });
    const floats = await cohere.embeddings({ model: "embed-v4.0", input: ["a", "b"], dimensions: 256, input_type: "search_query" } as never);
    expect(wire.last().url).toBe("https://api.cohere.com/v2/embed");
    expect(wire.last().body).toEqual({ model: "embed-v4.0", texts: ["a", "b"], input_type: "search_query", embedding_types: ["float"], output_dimension: 256 });
    expect(floats.body).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [1, 0] },
        { object: "embedding", index: 1, embedding: [0.5] },
      ],
      model: "embed-v4.0",
      usage: { prompt_tokens: 6, total_tokens: 6 },
    });
    const encoded = await cohere.embeddings({ model: "embed-v4.0", input: "a", encoding_format: "base64" });
    expect(wire.last().body).toEqual({ model: "embed-v4.0", texts: ["a"], input_type: "search_document", embedding_types: ["float"] });
    expect(encoded.body).toEqual({ object: "list", data: [{ object: "embedding", index: 0, embedding: "AACAPwAAAAA=" }], model: "embed-v4.0", usage: { prompt_tokens: 0, total_tokens: 0 } });
    for (const input of [[1, 2], ["a", 3], 5]) {
      const error = (await cohere.embeddings({ model: "embed-v4.0", input } as never).catch((caught: unknown) => caught)) as ProviderError;
      expect(error.code).toBe("unsupported_parameter");
    }
    expect(wire.requests).toHaveLength(2);
    for (const [reply, message] of [
      [{ embeddings: { int8: [] } }, "the body has no embeddings.float array"],
      [{ embeddings: [] }, "the body has no embeddings.float array"],
      [{ embeddings: { float: [[1], "x"] } }, "embeddings.float[1] is not an array"],
    ] as const) {
      const broken = provider({ json: reply });
      const error = (await broken.cohere.embeddings({ model: "embed-v4.0", input: ["a", "b"] }).catch((caught: unknown) => caught)) as ProviderError;
      expect(error.message).toContain(message);
    }
  });

  it("rerank: exact body, sorted results, top_n, documents echoed, search units as usage", async () => {
    const { wire, cohere } = provider(
      { json: { results: [{ index: 0, relevance_score: 0.1 }, { index: 2, relevance_score: 0.9 }, "junk", { index: 1, relevance_score: 0.5 }], meta: { billed_units: { search_units: 1 } } } },
      { json: { results: [{ index: 1, relevance_score: 0.2 }] } },
      { json: { results: [{ index: 3, relevance_score: 0.2 }] } },
      { json: { results: [{ index: -1, relevance_score: 0.2 }] } },
      { json: { results: [{ index: 0.5, relevance_score: 0.2 }] } },
      { json: { result: [] } },
    );
    const documents = ["zero", "one", "two"];
    const ranked = await cohere.rerank({ model: "rerank-v3.5", query: "q", documents, top_n: 2, return_documents: true });
    expect(wire.last().url).toBe("https://api.cohere.com/v2/rerank");
    expect(wire.last().body).toEqual({ model: "rerank-v3.5", query: "q", documents, top_n: 2 });
    expect(ranked.body).toEqual({
      object: "list",
      model: "rerank-v3.5",
      results: [
        { index: 2, relevance_score: 0.9, document: { text: "two" } },
        { index: 1, relevance_score: 0.5, document: { text: "one" } },
      ],
      usage: { search_units: 1 },
    });
    const plain = await cohere.rerank({ model: "rerank-v3.5", query: "q", documents });
    expect(wire.last().body).toEqual({ model: "rerank-v3.5", query: "q", documents });
    expect(plain.body).toEqual({ object: "list", model: "rerank-v3.5", results: [{ index: 1, relevance_score: 0.2 }] });
    for (const message of ["result index 3 is not one of the documents", "result index -1 is not one of the documents", "result index 0.5 is not one of the documents", "the body has no results array"]) {
      const error = (await cohere.rerank({ model: "rerank-v3.5", query: "q", documents }).catch((caught: unknown) => caught)) as ProviderError;
      expect(error.code).toBe("malformed_response");
      expect(error.message).toContain(message);
    }
  });

  it("supports chat, embeddings and rerank only; never marks an assistant prefix; the built-in list as priced", async () => {
    const { wire, cohere } = provider(complete("ok"));
    expect(["chat", "chatStream", "embeddings", "rerank", "speech", "images"].map((operation) => cohere.supports(operation as never))).toEqual([true, false, true, true, false, false]);
    await cohere.chat({ model: "command-a-03-2025", messages: [user("Hi"), { role: "assistant", content: "Once upon" }] }, { continueAssistant: true });
    expect((wire.last().body as { messages: unknown }).messages).toEqual([{ role: "user", content: "Hi" }, { role: "assistant", content: "Once upon" }]);
    const chat = ["generation.text-generation.chat-completion", "generation.text-generation.code-generation"];
    const command = (id: string, input: number, output: number, contextWindow: number, maxOutputTokens: number, vision = false) => ({
      id,
      capabilities: chat,
      contextWindow,
      maxOutputTokens,
      features: { tools: true, vision, jsonMode: true, streaming: true },
      pricing: { input, output, readAt: "2026-12-01" },
    });
    const embed = ["representation.embeddings.text-embeddings"];
    expect(cohere.listModels()).toEqual([
      command("command-a-03-2025", 2.5, 10, 256_000, 8_000),
      command("command-r-plus-08-2024", 2.5, 10, 128_000, 4_000),
      command("command-r-08-2024", 0.15, 0.6, 128_000, 4_000),
      command("command-r7b-12-2024", 0.0375, 0.15, 128_000, 4_000),
      command("command-a-vision-07-2025", 2.5, 10, 128_000, 8_000, true),
      { id: "embed-v4.0", capabilities: embed, contextWindow: 128_000, pricing: { input: 0.12, readAt: "2026-12-01" } },
      { id: "embed-english-v3.0", capabilities: embed, contextWindow: 512, pricing: { input: 0.1, readAt: "2026-12-01" } },
      { id: "rerank-v3.5", capabilities: ["retrieval.reranking"], pricing: { perRequest: 0.002, readAt: "2026-12-01" } },
      { id: "embed-multilingual-v3.0", capabilities: embed, contextWindow: 512, pricing: { input: 0.1, readAt: "2026-12-01" } },
    ]);
    expect([CohereProvider.connectorId, CohereProvider.shortName, CohereProvider.baseUrlEnvVar, CohereProvider.envVars]).toEqual(["cohere.nlp.v1", "cohere", "COHERE_BASE_URL", ["COHERE_API_KEY", "CO_API_KEY"]]);
    expect(new CohereProvider({ baseUrl: "https://api.cohere.com" }).toJSON().baseUrl).toBe("https://api.cohere.com/v2");
  });
});
