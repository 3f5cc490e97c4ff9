import { afterEach, describe, expect, it } from "vitest";
import { create, ModelMesh } from "../src/index.js";
import type { MeshClient } from "../src/client/mesh-client.js";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";
import { chatProvider } from "./support/mesh.js";

const open: Array<MeshClient | FakeOpenAI> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

describe("client.mesh instanceof ModelMesh", () => {
  it("holds for the mesh create() started (from the lazily loaded code), and not for anything else", async () => {
    const fake = await startFakeOpenAI({ name: "p", models: ["m"] });
    open.push(fake);
    const client = create({ config: { providers: { p: chatProvider(fake, "sk-p-0000000000", ["m"]) } } });
    open.push(client);
    await client.ready();
    expect(client.mesh instanceof ModelMesh).toBe(true);
    expect(client.mesh.constructor).not.toBe(ModelMesh);
    expect({} instanceof ModelMesh).toBe(false);
    expect(client instanceof ModelMesh).toBe(false);
  });
});
