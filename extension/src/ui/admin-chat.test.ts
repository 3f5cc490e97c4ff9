import { ModelMeshError, ProviderError } from "modelmesh";
import { describe, expect, it } from "vitest";
import type { PortReply } from "../shared/protocol.js";
import { runAdminChat } from "./admin-chat.js";
import { fakeChatPort } from "./fake-admin.js";

const chunk = (content: string, model = "fake-model"): PortReply => ({ kind: "chunk", chunk: { object: "chat.completion.chunk", model, choices: [{ index: 0, delta: { content } }] } });

describe("runAdminChat", () => {
  it("posts { messages } once, streams each chunk's text and resolves at end", async () => {
    const fake = fakeChatPort();
    const seen: string[] = [];
    const done = runAdminChat(() => fake.port, { messages: [{ role: "user", content: "Hi" }] }, { onProgress: ({ text }) => seen.push(text) });
    expect(fake.state.posted).toEqual([{ method: "chat.completions.create", params: { model: "chat-completion", messages: [{ role: "user", content: "Hi" }], stream: true } }]);
    fake.reply(chunk("Hel"));
    fake.reply(chunk("lo"));
    fake.reply({ kind: "end" });
    await expect(done).resolves.toEqual({ text: "Hello", model: "fake-model" });
    expect(seen).toEqual(["Hel", "Hello"]);
    expect(fake.state.disconnected).toBe(true);
  });

  it("takes a whole answer sent as one result", async () => {
    const fake = fakeChatPort();
    const done = runAdminChat(() => fake.port, { messages: [] });
    fake.reply({ kind: "result", result: { model: "m", choices: [{ index: 0, message: { role: "assistant", content: "All at once" } }] } });
    await expect(done).resolves.toEqual({ text: "All at once", model: "m" });
  });

  it("rejects with the worker's revived error", async () => {
    const fake = fakeChatPort();
    const done = runAdminChat(() => fake.port, { messages: [] });
    fake.reply(chunk("par"));
    fake.reply({ kind: "error", error: new ProviderError("groq: 503 overloaded", { providerId: "groq", status: 503 }).toJSON() });
    const error = await done.catch((problem: unknown) => problem);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe("groq: 503 overloaded");
  });

  it("rejects clearly when the port closes before the end, instead of hanging", async () => {
    const fake = fakeChatPort();
    const done = runAdminChat(() => fake.port, { messages: [] });
    fake.reply(chunk("half"));
    fake.close();
    const error = (await done.catch((problem: unknown) => problem)) as ModelMeshError;
    expect(error.code).toBe("extension_disconnected");
  });

  it("stopping disconnects the port and rejects as aborted; later chunks are ignored", async () => {
    const fake = fakeChatPort();
    const controller = new AbortController();
    const seen: string[] = [];
    const done = runAdminChat(() => fake.port, { messages: [] }, { signal: controller.signal, onProgress: ({ text }) => seen.push(text) });
    fake.reply(chunk("one"));
    controller.abort();
    fake.reply(chunk("two"));
    expect(((await done.catch((problem: unknown) => problem)) as ModelMeshError).code).toBe("aborted");
    expect(fake.state.disconnected).toBe(true);
    expect(seen).toEqual(["one"]);
  });
});
