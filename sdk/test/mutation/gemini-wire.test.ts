import { describe, expect, it } from "vitest";
import { AuthenticationError, GeminiProvider, ProviderError, RateLimitError } from "../../src/index.js";
import { drain, shapes, sse, wireCapture, type Reply } from "./wire-capture.js";

// Gemini's wire translation pinned exactly: the body Google would receive for each OpenAI field, and the OpenAI
// answer (chat, stream chunks, embeddings, errors) a caller gets for each recorded-style Gemini body.

const apiKey = "AIzaSyMutationKEY0123456789abcdefghijkl";
const provider = (...replies: Reply[]) => {
  const wire = wireCapture(...replies);
  return { wire, gemini: new GeminiProvider({ apiKey, fetch: wire.fetch }) };
};
const okText = (text: string): Reply => ({ json: { candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }] } });

describe("Gemini request body", () => {
  it("maps every sampling field into generationConfig, and json_schema into responseJsonSchema", async () => {
    const { wire, gemini } = provider(okText("ok"));
    const schema = { type: "object", properties: { a: { type: "string" } } };
    await gemini.chat({
      model: "gemini-2.5-flash",
      messages: [{ role: "user", content: "Hi" }],
      max_completion_tokens: 11,
      max_tokens: 99,
      n: 2,
      presence_penalty: 0.5,
      frequency_penalty: -0.25,
      top_p: 0,
      temperature: 0,
      stop: ["A", "B"],
      response_format: { type: "json_schema", json_schema: { name: "x", schema } },
    });
    expect(wire.last().url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
    expect(wire.last().method).toBe("POST");
    expect(wire.last().headers["x-goog-api-key"]).toBe(apiKey);
    expect(wire.last().headers["content-type"]).toBe("application/json");
    expect(wire.last().body).toEqual({
      contents: [{ role: "user", parts: [{ text: "Hi" }] }],
      generationConfig: {
        temperature: 0,
        topP: 0,
        maxOutputTokens: 11,
        candidateCount: 2,
        presencePenalty: 0.5,
        frequencyPenalty: -0.25,
        stopSequences: ["A", "B"],
        responseMimeType: "application/json",
        responseJsonSchema: schema,
      },
    });
  });

  it("sends no generationConfig when nothing is set, no stopSequences for an empty stop list, text response_format adds nothing", async () => {
    const { wire, gemini } = provider(okText("ok"));
    await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }], stop: [], response_format: { type: "text" } });
    expect(wire.last().body).toEqual({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] });
    await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }], stop: "END", response_format: { type: "json_schema", json_schema: { name: "x" } } });
    expect(wire.last().body).toEqual({ contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { stopSequences: ["END"], responseMimeType: "application/json" } });
  });

  it("joins system and developer text, merges consecutive turns, keeps File API links, and encodes the model in the path", async () => {
    const { wire, gemini } = provider(okText("ok"));
    await gemini.chat({
      model: "models/tuned model",
      messages: [
        { role: "system", content: "One." },
        { role: "developer", content: [{ type: "text", text: "Two." }] },
        { role: "user", content: "a" },
        { role: "user", content: [{ type: "image_url", image_url: { url: "https://generativelanguage.googleapis.com/v1beta/files/abc" } }] },
        { role: "assistant", content: "" },
        { role: "assistant", content: "b" },
        { role: "assistant", content: "c" },
        { role: "user", content: "d" },
      ],
    });
    expect(wire.last().url).toBe("https://generativelanguage.googleapis.com/v1beta/models/tuned%20model:generateContent");
    expect(wire.last().body).toEqual({
      contents: [
        { role: "user", parts: [{ text: "a" }, { fileData: { fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc" } }] },
        { role: "model", parts: [{ text: "b" }, { text: "c" }] },
        { role: "user", parts: [{ text: "d" }] },
      ],
      systemInstruction: { parts: [{ text: "One.\n\nTwo." }] },
    });
  });

  it("declares tools without description or parameters when absent, strips rejected schema keys at every depth, maps each tool_choice", async () => {
    const { wire, gemini } = provider(okText("ok"));
    const tools = [
      { type: "function" as const, function: { name: "bare" } },
      {
        type: "function" as const,
        function: {
          name: "deep",
          description: "",
          parameters: { type: "object", $id: "x", strict: true, properties: { list: { type: "array", items: [{ type: "object", additionalProperties: false, properties: { k: { type: "string", $schema: "s" } } }] } } },
        },
      },
    ];
    await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }], tools });
    expect(wire.last().body).toEqual({
      contents: [{ role: "user", parts: [{ text: "x" }] }],
      tools: [
        {
          functionDeclarations: [
            { name: "bare" },
            { name: "deep", parameters: { type: "object", properties: { list: { type: "array", items: [{ type: "object", properties: { k: { type: "string" } } }] } } } },
          ],
        },
      ],
    });
    for (const [choice, expected] of [
      ["auto", { functionCallingConfig: { mode: "AUTO" } }],
      ["required", { functionCallingConfig: { mode: "ANY" } }],
      ["none", { functionCallingConfig: { mode: "NONE" } }],
    ] as const) {
      await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }], tools, tool_choice: choice });
      expect((wire.last().body as Record<string, unknown>).toolConfig).toEqual(expected);
    }
    // tool_choice without tools is not sent (Gemini has nothing to choose from).
    await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }], tools: [], tool_choice: "required" });
    expect(wire.last().body).toEqual({ contents: [{ role: "user", parts: [{ text: "x" }] }] });
  });

  it("replays tool calls with their names and signatures; tool answers are JSON objects or wrapped text", async () => {
    const { wire, gemini } = provider(okText("ok"));
    await gemini.chat({
      model: "gemini-2.5-flash",
      messages: [
        { role: "user", content: "go" },
        {
          role: "assistant",
          content: "calling",
          tool_calls: [
            { id: "c1", type: "function", function: { name: "one", arguments: '{"a":1}' } },
            { id: "c2", type: "function", function: { name: "two", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: '{"ok":true}' },
        { role: "tool", tool_call_id: "c2", content: "[1,2]" },
      ],
    });
    expect(wire.last().body).toEqual({
      contents: [
        { role: "user", parts: [{ text: "go" }] },
        {
          role: "model",
          parts: [
            { text: "calling" },
            { functionCall: { name: "one", args: { a: 1 } }, thoughtSignature: "skip_thought_signature_validator" },
            { functionCall: { name: "two", args: {} }, thoughtSignature: "skip_thought_signature_validator" },
          ],
        },
        { role: "user", parts: [{ functionResponse: { name: "one", response: { ok: true } } }, { functionResponse: { name: "two", response: { content: "[1,2]" } } }] },
      ],
    });
  });

  it("refuses malformed histories with typed errors before sending", async () => {
    const { wire, gemini } = provider(okText("ok"));
    const refused = async (messages: unknown) => (await gemini.chat({ model: "gemini-2.5-flash", messages: messages as never }).catch((error: unknown) => error)) as { name: string; message: string };
    expect(await refused([{ role: "tool", tool_call_id: "nope", content: "x" }])).toMatchObject({ name: "InvalidRequestError", message: expect.stringContaining('tool_call_id "nope"') });
    expect(await refused([{ role: "tool", content: "x" }])).toMatchObject({ name: "InvalidRequestError", message: expect.stringContaining('tool_call_id ""') });
    expect(await refused([{ role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: {} }] }])).toMatchObject({ name: "InvalidRequestError", message: "tool_calls: each call needs function.name" });
    expect(await refused([{ role: "assistant", content: null, tool_calls: ["junk"] }])).toMatchObject({ name: "InvalidRequestError" });
    expect(await refused([{ role: "critic", content: "x" }])).toMatchObject({ name: "InvalidRequestError", message: 'messages: role "critic" is not supported' });
    expect(await refused([{ role: "system", content: "only a system prompt" }])).toMatchObject({ name: "InvalidRequestError", message: "messages: at least one user message is needed" });
    expect(wire.requests).toHaveLength(0);
  });

  it("streams to streamGenerateContent?alt=sse", async () => {
    const { wire, gemini } = provider({ text: sse([undefined, { candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: "STOP" }] }]) });
    await drain((await gemini.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] })).body);
    expect(wire.last().url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    expect(wire.last().headers.accept).toBe("text/event-stream");
  });
});

describe("Gemini answers in OpenAI's shape", () => {
  it("maps ids, candidates, thoughts, calls and usage (thinking, cache, tool-use prompt) exactly", async () => {
    const { gemini } = provider({
      json: {
        responseId: "resp-1",
        modelVersion: "gemini-2.5-flash-001",
        candidates: [
          { index: 0, finishReason: "STOP", content: { parts: [{ text: "thinking...", thought: true }, { text: "Hel" }, { text: "lo" }, "junk"] } },
          { index: 1, finishReason: "STOP", content: { parts: [{ functionCall: { id: "fc-9", name: "get", args: { q: 1 } }, thoughtSignature: "sig-A" }] } },
          { finishReason: "MAX_TOKENS", content: { parts: [{ text: "cut" }] } },
        ],
        usageMetadata: { promptTokenCount: 10, toolUsePromptTokenCount: 2, candidatesTokenCount: 5, thoughtsTokenCount: 7, cachedContentTokenCount: 3 },
      },
    });
    const { body } = await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
    expect(body.id).toBe("resp-1");
    expect(body.model).toBe("gemini-2.5-flash-001");
    expect(body.choices).toEqual([
      { index: 0, message: { role: "assistant", content: "Hello", refusal: null }, finish_reason: "stop", logprobs: null },
      { index: 1, message: { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "fc-9", type: "function", function: { name: "get", arguments: '{"q":1}' } }] }, finish_reason: "tool_calls", logprobs: null },
      { index: 2, message: { role: "assistant", content: "cut", refusal: null }, finish_reason: "length", logprobs: null },
    ]);
    expect(body.usage).toEqual({ prompt_tokens: 12, completion_tokens: 12, total_tokens: 24, prompt_tokens_details: { cached_tokens: 3 }, completion_tokens_details: { reasoning_tokens: 7 } });
  });

  it("finish reasons: safety family → content_filter, unknown/other → stop, unspecified/missing → stop or tool_calls by whether it called", async () => {
    const reasons: Array<[unknown, string, boolean]> = [
      ["SAFETY", "content_filter", false],
      ["RECITATION", "content_filter", false],
      ["BLOCKLIST", "content_filter", false],
      ["PROHIBITED_CONTENT", "content_filter", false],
      ["SPII", "content_filter", false],
      ["IMAGE_SAFETY", "content_filter", false],
      ["LANGUAGE", "stop", false],
      ["OTHER", "stop", false],
      ["MALFORMED_FUNCTION_CALL", "stop", false],
      ["SOMETHING_NEW", "stop", false],
      ["SAFETY", "content_filter", true],
      ["FINISH_REASON_UNSPECIFIED", "tool_calls", true],
      ["", "stop", false],
      [undefined, "tool_calls", true],
      [7, "stop", false],
    ];
    for (const [finishReason, expected, calls] of reasons) {
      const parts = calls ? [{ functionCall: { name: "f" } }] : [{ text: "t" }];
      const { gemini } = provider({ json: { candidates: [{ content: { parts }, finishReason }] } });
      const { body } = await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
      expect(body.choices[0]?.finish_reason, String(finishReason)).toBe(expected);
      if (calls) {
        expect(body.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: expect.stringMatching(/^call_./), function: { name: "f", arguments: "{}" } });
      }
    }
  });

  it("a blocked prompt is one empty content_filter choice; an empty candidate is an empty stop; no usage without usageMetadata", async () => {
    const blocked = provider({ json: { promptFeedback: { blockReason: "SAFETY" } } });
    const { body } = await blocked.gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
    expect(body.choices).toEqual([{ index: 0, message: { role: "assistant", content: "", refusal: null }, finish_reason: "content_filter", logprobs: null }]);
    // A block reason beside candidates does not override the candidates' own reasons.
    const both = provider({ json: { promptFeedback: { blockReason: "OTHER" }, candidates: [{ content: { parts: [{ text: "fine" }] }, finishReason: "STOP" }, null] } });
    const answer = await both.gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
    expect(answer.body.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason])).toEqual([
      [0, "fine", "stop"],
      [1, "", "stop"],
    ]);
    const noBlock = provider({ json: { promptFeedback: { safetyRatings: [] } } });
    const error = (await noBlock.gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught)) as ProviderError;
    expect(error.code).toBe("malformed_response");
    expect(error.message).toContain("the body has no candidates");
  });

  it("remembers a call's thought signature and sends it back with that call only", async () => {
    const { wire, gemini } = provider(
      { json: { candidates: [{ content: { parts: [{ functionCall: { id: "k1", name: "f", args: {} }, thoughtSignature: "SIG-1" }, { functionCall: { id: "k2", name: "g", args: {} } }] }, finishReason: "STOP" }] } },
      okText("done"),
    );
    const first = await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "go" }] });
    await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "go" }, first.body.choices[0]!.message, { role: "tool", tool_call_id: "k1", content: "1" }, { role: "tool", tool_call_id: "k2", content: "2" }] });
    const model = (wire.last().body as { contents: Array<{ parts: unknown[] }> }).contents[1]!;
    expect(model.parts).toEqual([
      { functionCall: { name: "f", args: {} }, thoughtSignature: "SIG-1" },
      { functionCall: { name: "g", args: {} }, thoughtSignature: "skip_thought_signature_validator" },
    ]);
  });
});

describe("Gemini streams as OpenAI chunks", () => {
  it("role once, text deltas, per-candidate tool indexes, finish, then usage from the finishing event", async () => {
    const { gemini } = provider({
      text: sse(
        [undefined, { responseId: "r1", modelVersion: "gm", candidates: [{ content: { parts: [{ text: "He" }] } }], usageMetadata: { promptTokenCount: 1 } }],
        [undefined, { responseId: "r1", modelVersion: "gm", candidates: [{ content: { parts: [{ text: "" }] } }] }],
        [undefined, { responseId: "r1", candidates: [{ content: { parts: [{ functionCall: { id: "a", name: "f", args: { x: 1 } }, thoughtSignature: "S" }] } }] }],
        [undefined, { responseId: "r1", candidates: [{ content: { parts: [{ functionCall: { id: "b", name: "g" } }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 6 } }],
      ),
    });
    const chunks = shapes(await drain((await gemini.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] })).body));
    expect(chunks).toEqual([
      { id: "r1", object: "chat.completion.chunk", model: "gm", choices: [{ index: 0, delta: { role: "assistant", content: "He" }, finish_reason: null }] },
      { id: "r1", object: "chat.completion.chunk", model: "gm", choices: [{ index: 0, delta: {}, finish_reason: null }] },
      { id: "r1", object: "chat.completion.chunk", model: "gemini-2.5-flash", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "a", type: "function", function: { name: "f", arguments: '{"x":1}' } }] }, finish_reason: null }] },
      { id: "r1", object: "chat.completion.chunk", model: "gemini-2.5-flash", choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: "b", type: "function", function: { name: "g", arguments: "{}" } }] }, finish_reason: "tool_calls" }] },
      { id: "r1", object: "chat.completion.chunk", model: "gemini-2.5-flash", choices: [], usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 } },
    ]);
  });

  it("two candidates keep their own indexes and tool counters; a later event without index uses its position", async () => {
    const { gemini } = provider({
      text: sse(
        [undefined, { candidates: [{ index: 0, content: { parts: [{ functionCall: { id: "p", name: "f" } }] } }, { index: 1, content: { parts: [{ functionCall: { id: "q", name: "f" } }] } }] }],
        [undefined, { candidates: [{ content: { parts: [{ text: "x" }] } }, { content: { parts: [{ functionCall: { id: "r", name: "f" } }] }, finishReason: "STOP" }] }],
      ),
    });
    const chunks = await drain((await gemini.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] })).body);
    expect(chunks.map((chunk) => chunk.choices.map((choice) => [choice.index, choice.delta.tool_calls?.map((call) => [call.index, call.id]) ?? choice.delta.content, choice.finish_reason]))).toEqual([
      [
        [0, [[0, "p"]], null],
        [1, [[0, "q"]], null],
      ],
      [
        [0, "x", null],
        [1, [[1, "r"]], "tool_calls"],
      ],
    ]);
  });

  it("a prompt blocked mid-stream ends with content_filter (and its usage); blank events are skipped", async () => {
    const { gemini } = provider({
      text: `data: \n\n${sse([undefined, { candidates: [{ content: { parts: [{ text: "a" }] } }] }], [undefined, { promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1 } }])}`,
    });
    const chunks = shapes(await drain((await gemini.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] })).body));
    expect(chunks.map((chunk) => ({ choices: chunk.choices, usage: chunk.usage }))).toEqual([
      { choices: [{ index: 0, delta: { role: "assistant", content: "a" }, finish_reason: null }], usage: undefined },
      { choices: [{ index: 0, delta: {}, finish_reason: "content_filter" }], usage: undefined },
      { choices: [], usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 } },
    ]);
    const first = provider({ text: sse([undefined, { promptFeedback: { blockReason: "SAFETY" } }]) });
    const only = await drain((await first.gemini.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] })).body);
    expect(only.map((chunk) => chunk.choices)).toEqual([[{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: "content_filter" }]]);
  });

  it("an event that is not an object is malformed; an in-band error keeps its status, or is a 500 without one", async () => {
    const array = provider({ text: sse([undefined, [1]]) });
    const malformed = (await drain((await array.gemini.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] })).body).catch((error: unknown) => error)) as ProviderError;
    expect(malformed.code).toBe("malformed_response");
    expect(malformed.message).toContain("the event is not a JSON object");
    for (const [code, status] of [[429, 429], ["503", 503], [399, 500], [600, 500], ["x", 500]] as const) {
      const { gemini } = provider({ text: sse([undefined, { error: { code, status: "X", message: "m" } }]) });
      const error = (await drain((await gemini.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] })).body).catch((caught: unknown) => caught)) as ProviderError;
      expect(error.status, String(code)).toBe(status);
      expect(error.modelId).toBe("gemini-2.5-flash");
    }
    const limited = provider({ text: sse([undefined, { error: { code: 429, status: "RESOURCE_EXHAUSTED", message: "quota" } }]) });
    expect(await drain((await limited.gemini.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] })).body).catch((error: unknown) => error)).toBeInstanceOf(RateLimitError);
  });
});

describe("Gemini errors and extras", () => {
  it("every key-rejection reason is an AuthenticationError; other 400 details are not; the body may be an array", async () => {
    for (const reason of ["API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_SERVICE_BLOCKED"]) {
      const { gemini } = provider({ status: 400, json: [{ error: { code: 400, status: "INVALID_ARGUMENT", message: "bad key", details: [{ reason }] } }] });
      const error = await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught);
      expect(error, reason).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).modelId).toBe("gemini-2.5-flash");
    }
    for (const body of [{ error: { code: 400, details: [{ reason: "OTHER" }, "x"] } }, { error: { code: 400 } }, { error: "text" }, "plain"]) {
      const { gemini } = provider({ status: 400, json: body });
      const error = await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught);
      expect(error).not.toBeInstanceOf(AuthenticationError);
      expect((error as ProviderError).status).toBe(400);
    }
    // A 403 carrying a key reason is left as it is: only Gemini's 400 quirk is re-filed.
    const forbidden = provider({ status: 403, json: { error: { code: 403, details: [{ reason: "API_KEY_INVALID" }] } } });
    expect(((await forbidden.gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught)) as ProviderError).status).toBe(403);
  });

  it("embeddings: exact batch body (dimensions, models/ prefix), exact response, estimated usage; bad input refused", async () => {
    const { wire, gemini } = provider({ json: { embeddings: [{ values: [0.1, 0.2] }, { values: [0.3] }] } });
    const { body } = await gemini.embeddings({ model: "models/gemini-embedding-001", input: ["abcde", "xy"], dimensions: 8 });
    expect(wire.last().url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(wire.last().body).toEqual({
      requests: [
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "abcde" }] }, outputDimensionality: 8 },
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "xy" }] }, outputDimensionality: 8 },
      ],
    });
    expect(body).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [0.1, 0.2] },
        { object: "embedding", index: 1, embedding: [0.3] },
      ],
      model: "models/gemini-embedding-001",
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
    await gemini.embeddings({ model: "gemini-embedding-001", input: "abcdefghi" });
    expect(wire.last().body).toEqual({ requests: [{ model: "models/gemini-embedding-001", content: { parts: [{ text: "abcdefghi" }] } }] });
    for (const request of [{ input: [1, 2] }, { input: ["a", 2] }, { input: "a", encoding_format: "base64" }]) {
      const error = (await gemini.embeddings({ model: "gemini-embedding-001", ...request } as never).catch((caught: unknown) => caught)) as ProviderError;
      expect(error.code).toBe("unsupported_parameter");
    }
    expect(wire.requests).toHaveLength(2);
    for (const [reply, message] of [
      [{ embeddings: "x" }, "the body has no embeddings array"],
      [{ embeddings: [{ values: [1] }, { nothing: true }] }, "embeddings[1] has no values"],
    ] as const) {
      const broken = provider({ json: reply });
      const error = (await broken.gemini.embeddings({ model: "gemini-embedding-001", input: ["a", "b"] }).catch((caught: unknown) => caught)) as ProviderError;
      expect(error.code).toBe("malformed_response");
      expect(error.message).toContain(message);
    }
  });

  it("fetchModelList: known models keep their entry, limits come from the service, a body without models is malformed", async () => {
    const { wire, gemini } = provider({
      json: {
        models: [
          { name: "models/gemini-2.5-flash", supportedGenerationMethods: ["generateContent"] },
          { name: "models/new-chat", supportedGenerationMethods: ["generateContent", "countTokens"], inputTokenLimit: 1000, outputTokenLimit: 100 },
          { name: "models/new-embed", supportedGenerationMethods: ["embedContent"], inputTokenLimit: 2048, outputTokenLimit: 1 },
          { name: "models/both", supportedGenerationMethods: ["embedContent", "generateContent"] },
          { name: "models/other", supportedGenerationMethods: ["predict"] },
          { name: "models/none" },
          { displayName: "no name" },
        ],
      },
    });
    const models = await gemini.fetchModelList();
    expect(wire.last()).toMatchObject({ url: "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000", method: "GET", body: undefined });
    expect(models[0]).toEqual(gemini.listModels().find((model) => model.id === "gemini-2.5-flash"));
    expect(models.slice(1)).toEqual([
      { id: "new-chat", capabilities: ["generation.text-generation.chat-completion"], contextWindow: 1000, maxOutputTokens: 100 },
      { id: "new-embed", capabilities: ["representation.embeddings.text-embeddings"], contextWindow: 2048 },
      { id: "both", capabilities: ["generation.text-generation.chat-completion", "representation.embeddings.text-embeddings"] },
    ]);
    const broken = provider({ json: { data: [] } });
    const error = (await broken.gemini.fetchModelList().catch((caught: unknown) => caught)) as ProviderError;
    expect(error.code).toBe("malformed_response");
    expect(error.message).toContain("the body has no models array");
  });

  it("the built-in list: prices, limits and features as Google publishes them; no quota headers are read", async () => {
    const chat = (id: string, input: number, output: number) => ({
      id,
      capabilities: ["generation.text-generation.chat-completion", "generation.text-generation.code-generation"],
      contextWindow: 1_048_576,
      maxOutputTokens: 65_536,
      features: { tools: true, vision: true, jsonMode: true, streaming: true },
      pricing: { input, output, readAt: "2026-12-01" },
    });
    expect(new GeminiProvider({ apiKey }).listModels()).toEqual([
      chat("gemini-2.5-pro", 1.25, 10),
      chat("gemini-2.5-flash", 0.3, 2.5),
      chat("gemini-2.5-flash-lite", 0.1, 0.4),
      { id: "gemini-embedding-001", capabilities: ["representation.embeddings.text-embeddings"], contextWindow: 2_048, pricing: { input: 0.15, readAt: "2026-12-01" } },
    ]);
    const { gemini } = provider({ ...okText("ok"), headers: { "x-ratelimit-limit-requests": "10", "x-ratelimit-remaining-requests": "9" } });
    const result = await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
    expect(result.rateLimit).toBeUndefined();
    expect(gemini.parseRateLimit({ "x-ratelimit-limit-requests": "10" })).toBeUndefined();
    expect(GeminiProvider.envVars).toEqual(["GOOGLE_API_KEY", "GEMINI_API_KEY"]);
    expect([GeminiProvider.connectorId, GeminiProvider.shortName, GeminiProvider.baseUrlEnvVar]).toEqual(["google.gemini.v1", "gemini", "GEMINI_BASE_URL"]);
  });
});

describe("Gemini: the rest of the table", () => {
  const ask = async (gemini: GeminiProvider, extra: Record<string, unknown> = {}) => gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }], ...extra });
  const streamOf = async (...events: unknown[]) => {
    const { gemini } = provider({ text: events.map((event) => (typeof event === "string" ? event : sse([undefined, event]))).join("") });
    return drain((await gemini.chatStream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] })).body);
  };

  it("base URL gains /v1beta; only a leading models/ is dropped; no key, no key header", async () => {
    const { wire } = provider(okText("ok"));
    const gateway = new GeminiProvider({ baseUrl: "https://gw.test", fetch: wire.fetch });
    await gateway.chat({ model: "tuned-models/abc", messages: [{ role: "user", content: "Hi" }] });
    expect(wire.last().url).toBe("https://gw.test/v1beta/models/tuned-models%2Fabc:generateContent");
    expect(wire.last().headers["x-goog-api-key"]).toBeUndefined();
    await gateway.embeddings({ model: "tuned-models/e", input: "x" }).catch(() => undefined);
    expect((wire.last().body as { requests: Array<{ model: string }> }).requests[0]?.model).toBe("models/tuned-models/e");
  });

  it("seed, json_object, json_schema without a schema, logprobs refused, empty turns skipped, errors name messages", async () => {
    const { wire, gemini } = provider(okText("ok"));
    await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "" }, { role: "user", content: "Hi" }], seed: 7, response_format: { type: "json_object" } });
    expect(wire.last().body).toEqual({ contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { seed: 7, responseMimeType: "application/json" } });
    await ask(gemini, { response_format: { type: "json_schema" } });
    expect(wire.last().body).toEqual({ contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { responseMimeType: "application/json" } });
    const logprobs = (await ask(gemini, { logprobs: true }).catch((error: unknown) => error)) as ProviderError;
    expect([logprobs.code, logprobs.message]).toEqual(["unsupported_parameter", "gemini does not support logprobs"]);
    const link = (await ask(gemini, { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] }] }).catch((error: unknown) => error)) as ProviderError;
    expect(link.message).toBe("gemini does not support image URLs other than data: URLs and Gemini File API URIs (send the bytes as a data: URL)");
    await ask(gemini, { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,QUJD" } }] }] });
    expect(wire.last().body).toEqual({ contents: [{ role: "user", parts: [{ inlineData: { mimeType: "image/png", data: "QUJD" } }] }] });
    await ask(gemini, { tools: [{ type: "function", function: { name: "f", description: "d" } }], tool_choice: { type: "function", function: { name: "f" } } });
    expect(wire.last().body).toEqual({ contents: [{ role: "user", parts: [{ text: "Hi" }] }], tools: [{ functionDeclarations: [{ name: "f", description: "d" }] }], toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["f"] } } });
    await ask(gemini, { tools: [{ type: "function", function: { name: "f" } }], tool_choice: { type: "function", function: {} } });
    expect((wire.last().body as Record<string, unknown>).toolConfig).toBeUndefined();
    for (const messages of [[{ role: "tool", tool_call_id: "x", content: "1" }], [{ role: "critic", content: "x" }], [{ role: "system", content: "x" }], [{ role: "assistant", content: null, tool_calls: [null] }]]) {
      const error = (await gemini.chat({ model: "gemini-2.5-flash", messages: messages as never }).catch((caught: unknown) => caught)) as { name: string; param?: string };
      expect([error.name, error.param], JSON.stringify(messages)).toEqual(["InvalidRequestError", "messages"]);
    }
  });

  it("answers: explicit candidate indexes, null parts skipped, call ids that are not text replaced, infinite counts as 0", async () => {
    const { gemini } = provider({
      text: '{"candidates":[{"index":3,"content":{"parts":[null,{"text":"a"},{"functionCall":{"id":"","name":"f"}},{"functionCall":{"id":5,"name":"g"}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":1e400,"candidatesTokenCount":2}}',
      contentType: "application/json",
    });
    const { body } = await ask(gemini);
    expect(body.choices[0]?.index).toBe(3);
    expect(body.choices[0]?.message.content).toBe("a");
    expect(body.choices[0]?.message.tool_calls?.map((call) => call.id)).toEqual([expect.stringMatching(/^call_.+/), expect.stringMatching(/^call_.+/)]);
    expect(body.usage).toEqual({ prompt_tokens: 0, completion_tokens: 2, total_tokens: 2 });
  });

  it("a signature that is not text is not kept; only the newest 1024 signatures are kept", async () => {
    const calls = Array.from({ length: 1_026 }, (_, index) => ({ functionCall: { id: `c${index}`, name: "f" }, thoughtSignature: `S${index}` }));
    const { wire, gemini } = provider({ json: { candidates: [{ content: { parts: [{ functionCall: { id: "odd", name: "f" }, thoughtSignature: 5 }, ...calls] }, finishReason: "STOP" }] } });
    await ask(gemini);
    const replay = (ids: string[]) => ({ role: "assistant" as const, content: null, tool_calls: ids.map((id) => ({ id, type: "function" as const, function: { name: "f", arguments: "{}" } })) });
    await gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }, replay(["odd", "c0", "c1", "c2", "c1025"])] }).catch(() => undefined);
    const parts = (wire.last().body as { contents: Array<{ parts: Array<{ thoughtSignature?: string }> }> }).contents[1]!.parts;
    expect(parts.map((part) => part.thoughtSignature)).toEqual(["skip_thought_signature_validator", "skip_thought_signature_validator", "skip_thought_signature_validator", "S2", "S1025"]);
  });

  it("fetchModelList: nameless or non-object entries skipped, names kept unless they start with models/, limits only when numbers", async () => {
    const { gemini } = provider({ json: { models: [null, { supportedGenerationMethods: ["generateContent"] }, { name: "tuned-models/x", supportedGenerationMethods: ["generateContent"], inputTokenLimit: "9" }] } });
    const models = await gemini.fetchModelList();
    expect(models).toStrictEqual([{ id: "tuned-models/x", capabilities: ["generation.text-generation.chat-completion"] }]);
  });

  it("key rejection: any detail naming a key reason counts, null details are skipped, a null body is no rejection", async () => {
    const cases: Array<[unknown, boolean]> = [
      [{ error: { code: 400, details: [null, { reason: "OTHER" }, { reason: "API_KEY_INVALID" }] } }, true],
      [{ error: { code: 400, details: [{ reason: 5 }] } }, false],
    ];
    for (const [body, rejected] of cases) {
      const { gemini } = provider({ status: 400, json: body });
      const error = await ask(gemini).catch((caught: unknown) => caught);
      expect(error instanceof AuthenticationError, JSON.stringify(body)).toBe(rejected);
      expect((error as ProviderError).name).toBe(rejected ? "AuthenticationError" : "ProviderError");
    }
    const { gemini } = provider({ status: 400, text: "null", contentType: "application/json" });
    const error = (await ask(gemini).catch((caught: unknown) => caught)) as ProviderError;
    expect([error.name, error.status]).toEqual(["ProviderError", 400]);
  });

  it("embeddings: refusal messages, usage estimated from a single string", async () => {
    const { gemini } = provider({ json: { embeddings: [{ values: [1] }] } });
    expect(((await gemini.embeddings({ model: "gemini-embedding-001", input: [1] } as never).catch((error: unknown) => error)) as ProviderError).message).toBe("gemini does not support token-id embedding input");
    expect(((await gemini.embeddings({ model: "gemini-embedding-001", input: "a", encoding_format: "base64" }).catch((error: unknown) => error)) as ProviderError).message).toBe("gemini does not support base64 embeddings");
    expect((await gemini.embeddings({ model: "gemini-embedding-001", input: "abcdefghi" })).body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it("stream: whitespace data skipped, explicit indexes, two calls in one event, unspecified and unknown reasons, usage-only events, an in-band 400", async () => {
    const chunks = await streamOf(
      "data:    \n\n",
      { candidates: [{ index: 2, content: { parts: [{ text: "a" }] }, finishReason: "FINISH_REASON_UNSPECIFIED" }] },
      { candidates: [{ index: 2, content: { parts: [{ text: "b" }] }, finishReason: "" }] },
      { usageMetadata: { promptTokenCount: 1 } },
      { promptFeedback: { blockReason: 5 } },
      { candidates: [{ index: 2, content: { parts: [{ functionCall: { id: "p", name: "f" } }, { functionCall: { id: "q", name: "g" } }] } }] },
      { candidates: [{ index: 2, content: { parts: [] }, finishReason: "NEW_REASON" }], promptFeedback: { blockReason: "SAFETY" } },
    );
    expect(chunks.map((chunk) => chunk.choices.map((choice) => [choice.index, choice.delta.content ?? choice.delta.tool_calls?.map((call) => [call.index, call.id]) ?? null, choice.finish_reason]))).toEqual([
      [[2, "a", null]],
      [[2, "b", null]],
      [[2, [[0, "p"], [1, "q"]], null]],
      [[2, null, "tool_calls"]],
    ]);
    const text = await streamOf({ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: "STOP" }] });
    expect(text.map((chunk) => chunk.choices[0]?.finish_reason ?? null)).toEqual(["stop"]);
    const unknown = await streamOf({ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: "NEW_REASON" }] });
    expect(unknown.map((chunk) => chunk.choices[0]?.finish_reason ?? null)).toEqual(["stop"]);
    const bad = (await streamOf({ error: { code: 400, message: "bad" } }).catch((error: unknown) => error)) as ProviderError;
    expect(bad.status).toBe(400);
  });
});
