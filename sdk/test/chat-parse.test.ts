import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { zodFunction, zodResponseFormat } from "openai/helpers/zod";
import { ContentFilterFinishReasonError, InvalidRequestError, LengthFinishReasonError, ModelMeshError, isModelMeshErrorOf, servedBy } from "../src/index.js";
import { mockClient } from "../src/testing/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import type { FakeOpenAI } from "./fakes/openai.js";
import { chatRequestsOf, fakeChatMesh } from "./support/chat-mesh.js";

// `client.chat.completions.parse()`, the official client's structured-output helper, against the fake OpenAI server:
// what the fake received, and `parsed` / `parsed_arguments` read from what it answered.

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

const setUp = (reply?: string) => fakeChatMesh(open, reply);

const chatRequests = chatRequestsOf;
const ask = (content: string) => [{ role: "user" as const, content }];
const citySchema = { type: "object", properties: { city: { type: "string" }, population: { type: "integer" } }, required: ["city", "population"], additionalProperties: false };

describe("chat.completions.parse()", () => {
  it("parses a json_schema answer into message.parsed, sending the format unchanged", async () => {
    const { fake, client } = await setUp();
    const response_format = { type: "json_schema" as const, json_schema: { name: "city", schema: citySchema, strict: true } };
    const completion = await client.chat.completions.parse({ model: "m", messages: ask("Paris"), response_format });
    const message = completion.choices[0]!.message;
    // The fake fills a schema's strings with the user's text and its integers with 1.
    expect(JSON.parse(message.content!)).toEqual({ city: "Paris", population: 1 });
    expect(message.parsed).toEqual({ city: "Paris", population: 1 });
    expect(chatRequests(fake).map((request) => request.body)).toEqual([expect.objectContaining({ model: "m", response_format })]);
    // Who served it and the service's request id survive the copy parse() makes.
    expect(servedBy(completion)).toMatchObject({ provider: "p", model: "m", attempts: 1 });
    const { response, request_id } = await client.chat.completions.parse({ model: "m", messages: ask("Rome"), response_format }).withResponse();
    expect(request_id).toBe(chatRequests(fake)[1]!.requestId);
    expect(response.headers.get("x-modelmesh-provider")).toBe("p");
  });

  it("uses the parser of a format made by the openai package's zodResponseFormat, which is never sent", async () => {
    const { fake, client } = await setUp();
    const City = z.object({ city: z.string(), population: z.number().int() });
    const completion = await client.chat.completions.parse({ model: "m", messages: ask("Lima"), response_format: zodResponseFormat(City, "city") });
    const parsed = completion.choices[0]!.message.parsed;
    expectTypeOf(parsed).toEqualTypeOf<{ city: string; population: number } | null>();
    expect(parsed).toEqual({ city: "Lima", population: 1 });
    const sent = chatRequests(fake)[0]!.body as { response_format: Record<string, unknown> };
    expect(sent.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "city", strict: true } });
    expect(Object.keys(sent.response_format).sort()).toEqual(["json_schema", "type"]);
  });

  it("gives a strict tool's call its parsed arguments, zodFunction's too", async () => {
    const { fake, client } = await setUp();
    const tools = [{ type: "function" as const, function: { name: "lookup", parameters: citySchema, strict: true } }];
    const completion = await client.chat.completions.parse({ model: "m", messages: ask("Oslo"), tools, tool_choice: { type: "function", function: { name: "lookup" } } });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.tool_calls![0]!.function).toMatchObject({ name: "lookup", parsed_arguments: { city: "Oslo", population: 1 } });
    expect(choice.message.parsed).toBeNull();
    expect(chatRequests(fake)[0]!.body).toMatchObject({ tools });

    const Weather = z.object({ place: z.string() });
    const viaZod = await client.chat.completions.parse({ model: "m", messages: ask("Bergen"), tools: [zodFunction({ name: "weather", parameters: Weather })], tool_choice: "required" });
    expect(viaZod.choices[0]!.message.tool_calls![0]!.function).toMatchObject({ name: "weather", parsed_arguments: { place: "Bergen" } });
  });

  it("refuses a function tool that is not strict, and a stream, before anything is sent", async () => {
    const { fake, client } = await setUp();
    const loose = client.chat.completions.parse({ model: "m", messages: ask("x"), tools: [{ type: "function", function: { name: "loose", parameters: citySchema } }] });
    await expect(loose).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(loose).rejects.toMatchObject({ param: "tools[0].function.strict", message: expect.stringContaining('"loose" tool is not marked strict: true') });
    const streamed = client.chat.completions.parse({ model: "m", messages: ask("x"), stream: true } as never);
    await expect(streamed).rejects.toMatchObject({ name: "InvalidRequestError", param: "stream" });
    expect(chatRequests(fake)).toHaveLength(0);
  });

  it("leaves parsed null for a text answer, and rejects an answer cut at its token limit", async () => {
    const { fake, client } = await setUp("a plain sentence of text");
    const text = await client.chat.completions.parse({ model: "m", messages: ask("hi") });
    expect(text.choices[0]!.message).toMatchObject({ content: "a plain sentence of text", parsed: null });
    const cut = client.chat.completions.parse({ model: "m", messages: ask("hi"), max_completion_tokens: 1 });
    await expect(cut).rejects.toBeInstanceOf(LengthFinishReasonError);
    await expect(cut).rejects.toMatchObject({ code: "length_finish_reason", retryable: false });
    expect(chatRequests(fake).at(-1)!.body).toMatchObject({ max_completion_tokens: 1 });
  });

  it("says when a json_schema answer is not JSON (the model's failure, retryable)", async () => {
    // The fake always answers a schema request with JSON; a mock client's scripted answer need not.
    const client = mockClient({ responses: [{ content: "not json at all" }] });
    const failure = await client.chat.completions
      .parse({ model: "chat-completion", messages: ask("x"), response_format: { type: "json_schema", json_schema: { name: "city", schema: citySchema } } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelMeshError);
    expect(failure).toMatchObject({ code: "invalid_structured_output", retryable: true, message: "the structured output is not valid JSON, so it cannot be parsed" });
    await client.close();
  });

  it("the finish-reason errors survive toJSON()/fromJSON() and are recognised across copies of the package", () => {
    for (const error of [new LengthFinishReasonError(), new ContentFilterFinishReasonError()]) {
      const revived = ModelMeshError.fromJSON(JSON.parse(JSON.stringify(error.toJSON())));
      expect(revived).toBeInstanceOf(error.constructor);
      expect(revived.message).toBe(error.message);
      const foreign = Object.assign(new Error(error.message), { name: error.name, code: error.code, retryable: error.retryable });
      expect(isModelMeshErrorOf(foreign, error.constructor as typeof LengthFinishReasonError)).toBe(true);
    }
  });

  it("rejects an answer a content filter stopped", async () => {
    const client = mockClient({ responses: [{ content: "", finishReason: "content_filter" }] });
    const stopped = client.chat.completions.parse({ model: "chat-completion", messages: ask("x") });
    await expect(stopped).rejects.toBeInstanceOf(ContentFilterFinishReasonError);
    await expect(stopped).rejects.toMatchObject({ code: "content_filter_finish_reason", retryable: false });
    await client.close();
  });

  it("serves a mock client's scripted answer too", async () => {
    const client = mockClient({ responses: [{ content: '{"city":"Kyiv","population":1}' }] });
    const completion = await client.chat.completions.parse({ model: "chat-completion", messages: ask("x"), response_format: { type: "json_schema", json_schema: { name: "city", schema: citySchema } } });
    expect(completion.choices[0]!.message.parsed).toEqual({ city: "Kyiv", population: 1 });
    await client.close();
  });
});
