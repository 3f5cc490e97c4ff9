import { afterEach, describe, expect, it } from "vitest";
import { CallbackObservability, create, type MeshEvent } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider } from "./support/mesh.js";

// `log_level: full` keeps payloads: a request's `request-end` event then carries the request as the caller gave it and
// the answer (a stream's delivered text); at any other level, and for a sink that did not ask, it carries neither.

const KEY = "sk-payload-test-0123456789abcdefghij";
const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function setUp(levels: Array<"full" | "metadata">) {
  const fake = await startFakeOpenAI({ name: "p", models: ["m"], reply: "Bonjour" });
  open.push(fake);
  const seen = levels.map(() => [] as MeshEvent[]);
  const sinks = levels.map((logLevel, index) => ({ instance: new CallbackObservability({ callback: (event) => void seen[index]!.push(event), logLevel }) }));
  const client = create({ config: { providers: { p: chatProvider(fake, KEY, ["m"]) } }, observability: sinks.length === 1 ? sinks[0] : (sinks as never) });
  open.push(client);
  return { fake, client, seen };
}

const ends = (events: MeshEvent[]) => events.filter((event) => event.type === "request-end") as Array<Extract<MeshEvent, { type: "request-end" }>>;
const ask = [{ role: "user" as const, content: "Say hello" }];

describe("log_level: full", () => {
  it("puts the request and the answer on request-end; a stream's answer is the text it delivered", async () => {
    const { client, seen } = await setUp(["full"]);
    const completion = await client.chat.completions.create({ model: "m", messages: ask, temperature: 0.5 });
    const [end] = ends(seen[0]!);
    expect(end!.request).toEqual({ model: "m", messages: ask, temperature: 0.5 });
    expect(end!.response).toMatchObject({ id: completion.id, choices: [{ message: { content: completion.choices[0]!.message.content } }] });
    expect(completion.choices[0]!.message.content).toContain("Bonjour");

    let streamed = "";
    for await (const chunk of await client.chat.completions.create({ model: "m", messages: ask, stream: true })) streamed += chunk.choices[0]?.delta.content ?? "";
    const streamEnd = ends(seen[0]!)[1]!;
    expect(streamEnd.request).toEqual({ model: "m", messages: ask, stream: true });
    expect(streamEnd.response).toEqual({ deliveredText: streamed });
    expect(streamed).toContain("Bonjour");
  });

  it("leaves payloads out at metadata, and for the sink that did not ask when another did; keys are scrubbed from them", async () => {
    const { client, seen } = await setUp(["full", "metadata"]);
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: `my key is ${KEY}` }] });
    const [full] = ends(seen[0]!);
    const [metadata] = ends(seen[1]!);
    expect(metadata).toBeDefined();
    expect(metadata).not.toHaveProperty("request");
    expect(metadata).not.toHaveProperty("response");
    expect(JSON.stringify(full!.request)).toContain("my key is [REDACTED]");
    expect(JSON.stringify(seen)).not.toContain(KEY);

    const { client: quiet, seen: quietSeen } = await setUp(["metadata"]);
    await quiet.chat.completions.create({ model: "m", messages: ask });
    expect(ends(quietSeen[0]!)[0]).not.toHaveProperty("request");
  });
});
