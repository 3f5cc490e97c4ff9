import { describe, expect, it } from "vitest";
import { OpenAICompatibleProvider } from "./openai-compatible.js";

// The base class remembers where each path resolves (its rule depends only on the configuration); a subclass that
// overrides `_resolveUrl` must still be asked on every request.
const completion = JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] });

function recordingFetch() {
  const urls: string[] = [];
  const fetch = (async (url: string) => {
    urls.push(String(url));
    return new Response(completion, { headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  return { fetch, urls };
}

describe("where a provider sends its requests", () => {
  it("joins the path to the base URL and goes through the proxy URL, the same for every request", async () => {
    const { fetch, urls } = recordingFetch();
    const provider = new OpenAICompatibleProvider({ id: "svc", baseUrl: "https://svc.test/v1/", proxyUrl: "http://127.0.0.1:8787/proxy", apiKey: "k", models: [{ id: "m" }], fetch });
    for (let index = 0; index < 3; index += 1) await provider.chat({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(urls).toEqual(Array(3).fill("http://127.0.0.1:8787/proxy/https://svc.test/v1/chat/completions"));
  });

  it("asks an overridden _resolveUrl on every request", async () => {
    const { fetch, urls } = recordingFetch();
    let region = 0;
    class Regional extends OpenAICompatibleProvider {
      protected override _resolveUrl(pathOrUrl: string): string {
        region += 1;
        return `https://region-${region}.svc.test${new URL(super._resolveUrl(pathOrUrl)).pathname}`;
      }
    }
    const provider = new Regional({ id: "svc", baseUrl: "https://svc.test/v1", apiKey: "k", models: [{ id: "m" }], fetch });
    await provider.chat({ model: "m", messages: [{ role: "user", content: "hi" }] });
    await provider.chat({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(urls).toEqual(["https://region-1.svc.test/v1/chat/completions", "https://region-2.svc.test/v1/chat/completions"]);
  });
});
