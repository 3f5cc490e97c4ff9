import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { create } from "../../src/index.js";
import { chatProvider } from "./mesh.js";

/**
 * One fake OpenAI server ("p", model "m", answering `reply` when given) and a client routed to it; both are pushed onto
 * `opened` for the test file's afterEach to close.
 */
export async function fakeChatMesh(opened: Array<{ close(): Promise<unknown> }>, reply?: string) {
  const fake = await startFakeOpenAI({ name: "p", models: ["m"], ...(reply === undefined ? {} : { reply }) });
  opened.push(fake);
  const client = create({ config: { providers: { p: chatProvider(fake, "sk-p-0000000000", ["m"]) } } });
  opened.push(client);
  return { fake, client };
}

/** The chat requests `fake` received, in order. */
export const chatRequestsOf = (fake: FakeOpenAI) => fake.requests.filter((request) => request.path === "/v1/chat/completions");
