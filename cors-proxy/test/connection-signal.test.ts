import { Agent, request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

// The node adapter gives every request on a connection the connection's abort signal (one AbortSignal per
// connection, not per request). Two things must then hold on a keep-alive connection that carries many requests:
// nothing piles listeners on that signal, and a client that leaves still stops the upstream request.

let mesh: MeshProxy | undefined;
let agent: Agent | undefined;
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

afterEach(async () => {
  process.off("warning", onWarning);
  warnings.length = 0;
  agent?.destroy();
  agent = undefined;
  await mesh?.close();
  mesh = undefined;
});

/** One request over `agent` (a single keep-alive socket): status, body, and the socket it went over. */
function send(path: string, body: unknown): Promise<{ status: number; text: string; port: number }> {
  return new Promise((resolve, reject) => {
    const bytes = JSON.stringify(body);
    // The relay takes the proxy token in its own header (Authorization belongs to the provider).
    const auth = path.startsWith("/proxy/") ? { "x-modelmesh-proxy-token": TOKEN, authorization: "Bearer sk-browser-key" } : { authorization: `Bearer ${TOKEN}` };
    const outgoing = httpRequest(
      `${mesh!.url}${path}`,
      { method: "POST", agent, headers: { ...auth, "content-type": "application/json", "content-length": String(Buffer.byteLength(bytes)) } },
      (incoming) => {
        let text = "";
        const port = incoming.socket.localPort ?? 0;
        incoming.setEncoding("utf8");
        incoming.on("data", (part: string) => (text += part));
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, text, port }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(bytes);
  });
}

describe("the abort signal of a keep-alive connection", () => {
  it("carries 50 requests of every kind without piling up listeners (no leak warning), all on one socket", async () => {
    mesh = await startMeshProxy({ relay: { allowPrivate: ["127.0.0.1"] } });
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    process.on("warning", onWarning);
    const ports = new Set<number>();
    for (let round = 0; round < 10; round += 1) {
      // A failed attempt (500, then failover to the other provider) and its retry path listen to the signal too.
      if (round % 3 === 0) mesh.a.enqueue({ kind: "error", status: 500 }, { model: "alpha" });
      const chat = await send("/v1/chat/completions", { model: "chat", messages: [{ role: "user", content: `hi ${round}` }] });
      const stream = await send("/v1/chat/completions", { model: "chat", messages: [{ role: "user", content: "hi" }], stream: true });
      const embedding = await send("/v1/embeddings", { model: "alpha-embed", input: "hello" });
      const refused = await send("/v1/chat/completions", { model: "no-such-model", messages: [{ role: "user", content: "hi" }] });
      const relayed = await send(`/proxy/${mesh.b.url}/chat/completions`, { model: "beta", messages: [{ role: "user", content: "hi" }] });
      expect([chat.status, stream.status, embedding.status, refused.status, relayed.status]).toEqual([200, 200, 200, 404, 200]);
      expect(stream.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
      expect(JSON.parse(relayed.text).object).toBe("chat.completion");
      for (const reply of [chat, stream, embedding, refused, relayed]) ports.add(reply.port);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(ports.size).toBe(1);
    expect(warnings.filter((warning) => /listener/i.test(warning.message))).toEqual([]);
  });

  it("still stops the upstream request when the client leaves mid-stream, after earlier requests on the connection", async () => {
    mesh = await startMeshProxy();
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let round = 0; round < 3; round += 1) expect((await send("/v1/chat/completions", { model: "alpha", messages: [{ role: "user", content: "hi" }] })).status).toBe(200);
    mesh.a.enqueue({ kind: "slow-stream", chunkDelayMs: 50 }, { model: "alpha" });
    await new Promise<void>((resolve, reject) => {
      const bytes = JSON.stringify({ model: "alpha", messages: [{ role: "user", content: "a long answer" }], stream: true });
      const outgoing = httpRequest(`${mesh!.url}/v1/chat/completions`, { method: "POST", agent, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "content-length": String(Buffer.byteLength(bytes)) } }, (incoming) => {
        incoming.once("data", () => {
          // The first event is in: the client hangs up.
          incoming.socket.destroy();
          resolve();
        });
      });
      outgoing.on("error", reject);
      outgoing.end(bytes);
    });
    const deadline = Date.now() + 3_000;
    while (!mesh.a.requests.at(-1)?.clientAborted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(mesh.a.requests.length).toBe(4);
    expect(mesh.a.requests.at(-1)!.clientAborted).toBe(true);
  });
});
