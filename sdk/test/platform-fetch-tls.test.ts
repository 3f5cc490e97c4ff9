import { afterEach, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai.js";

// Every real provider is HTTPS. ModelMesh's default transport in Node (modelmesh/node-fetch, undici's dispatcher)
// must verify certificates as Node's fetch does, trusting what Node trusts (NODE_EXTRA_CA_CERTS included, which Node
// reads when the process starts: hence a fresh process per case).
const tlsFolder = fileURLToPath(new URL("./fakes/tls/", import.meta.url));
const tls = { key: readFileSync(`${tlsFolder}key.pem`), cert: readFileSync(`${tlsFolder}cert.pem`) };
const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
let fake: FakeOpenAI | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function chatFromFreshProcess(url: string, env: Record<string, string>): Promise<{ content?: string; error?: { name: string; message: string } }> {
  const script = `const { create } = await import(${JSON.stringify(entry)});
    const mesh = create({ config: { providers: { openai: { connector: "openai-compatible", config: { base_url: ${JSON.stringify(url)}, api_key: "sk-tls-test", models: [{ id: "gpt-4o-mini", capabilities: ["chat-completion"] }] } } }, defaults: { retry: { max_retries: 0 } } } });
    try {
      const reply = await mesh.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "over TLS" }] });
      console.log(JSON.stringify({ content: reply.choices[0].message.content }));
    } catch (error) {
      const cause = error.lastError ?? error;
      console.log(JSON.stringify({ error: { name: cause.name, message: cause.message } }));
    }
    await mesh.close();`;
  // The child trusts only what the case gives it: no CA or TLS setting of the surrounding shell.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "NODE_EXTRA_CA_CERTS" && name !== "NODE_TLS_REJECT_UNAUTHORIZED"));
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { env: { ...inherited, ...env } });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe("the default Node transport over HTTPS", () => {
  it("talks to a server whose certificate chains to a CA given in NODE_EXTRA_CA_CERTS, sending through modelmesh/node-fetch", async () => {
    fake = await startFakeOpenAI({ name: "tls", models: ["gpt-4o-mini"], tls });
    expect(fake.url.startsWith("https://127.0.0.1:")).toBe(true);
    const result = await chatFromFreshProcess(fake.url, { NODE_EXTRA_CA_CERTS: `${tlsFolder}ca.pem` });
    expect(result).toEqual({ content: "Hello from gpt-4o-mini: over TLS" });
    const request = fake.requests.at(-1)!;
    expect(request.headers.authorization).toBe("Bearer sk-tls-test");
    // Node's own fetch would have added `sec-fetch-mode: cors`: this came through the Node transport.
    expect(request.headers["sec-fetch-mode"]).toBeUndefined();
  }, 30_000);

  it("refuses a certificate it cannot verify: a ConnectionError naming the certificate, and no request reaches the server", async () => {
    fake = await startFakeOpenAI({ name: "tls", models: ["gpt-4o-mini"], tls });
    const result = await chatFromFreshProcess(fake.url, {});
    expect(result.content).toBeUndefined();
    expect(result.error?.name).toBe("ConnectionError");
    expect(result.error?.message).toMatch(/certificate/i);
    // The key never left: the handshake failed before any request was written.
    expect(fake.requests).toHaveLength(0);
  }, 30_000);
});
