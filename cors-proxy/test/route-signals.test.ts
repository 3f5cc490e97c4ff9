import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMeshProxy, TOKEN, type MeshProxy } from "./support.js";

// A client that hangs up on the proxy mid-request must not leave the provider's request running: every mesh route
// hands the SDK the request's abort signal. The fake never answers (`hang`), so only an abort ends its exchange.
let proxy: MeshProxy;
beforeAll(async () => {
  proxy = await startMeshProxy();
});
afterAll(() => proxy.close());

const json = (body: unknown) => ({ body: JSON.stringify(body), type: "application/json" });
function transcription() {
  const form = new FormData();
  form.append("model", "speech-to-text");
  form.append("file", new Blob([Buffer.from("RIFF....WAVEfmt fake audio")], { type: "audio/wav" }), "hello.wav");
  return { body: form, type: undefined };
}

const cases: Array<[string, string, () => { body: BodyInit; type: string | undefined }]> = [
  ["embeddings", "/v1/embeddings", () => json({ model: "text-embeddings", input: "x" })],
  ["images", "/v1/images/generations", () => json({ model: "text-to-image", prompt: "a cat" })],
  ["speech", "/v1/audio/speech", () => json({ model: "text-to-speech", voice: "alloy", input: "Hello" })],
  ["transcriptions", "/v1/audio/transcriptions", transcription],
];

describe("a client leaving mid-request", () => {
  it.each(cases)("%s: the provider's request is closed too", async (_name, path, make) => {
    const before = proxy.a.exchanges.length;
    proxy.a.enqueue({ kind: "hang" });
    const { body, type } = make();
    const leave = new AbortController();
    const answered = fetch(`${proxy.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, ...(type ? { "content-type": type } : {}) }, body, signal: leave.signal }).catch((error: unknown) => error);
    await vi.waitFor(() => expect(proxy.a.exchanges.length).toBe(before + 1), { timeout: 2_000 });
    expect(proxy.a.exchanges[before]!.url).toBe(path);
    leave.abort();
    expect(await answered).toMatchObject({ name: "AbortError" });
    await vi.waitFor(() => expect(proxy.a.exchanges[before]!.ending).toBe("client-closed"), { timeout: 2_000 });
  });
});
