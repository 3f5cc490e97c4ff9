import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { EncryptedFileSecretStore, create, encryptSecrets } from "../src/index.js";
import { ConfigError } from "../src/wire/error-base.js";
import { startFakeOpenAI } from "./fakes/openai.js";

// The catalogue lists modelmesh.encrypted-file.v1 for "any" environment: the class is in the package root (api.md:
// every built-in connector class), takes the file's text as `content`, fetches an http(s) URL anywhere, and where the
// runtime has no file system (a browser) fetches `path` relative to the page.
const PASSWORD = "correct horse battery staple";
const SECRETS = { OPENAI_API_KEY: "sk-proj-anywhere-0123456789" };
let text: string;
let server: Server;
let base: string;
const served: string[] = [];

beforeAll(async () => {
  text = await encryptSecrets(SECRETS, PASSWORD);
  server = createServer((request, response) => {
    served.push(request.url ?? "");
    if (request.url?.split("?")[0] === "/secrets.enc") response.writeHead(200, { "content-type": "application/json" }).end(text);
    else response.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => vi.unstubAllGlobals());

it("decrypts the file's text given as content", async () => {
  const store = new EncryptedFileSecretStore({ content: text, password: PASSWORD });
  expect(await store.get("OPENAI_API_KEY")).toBe(SECRETS.OPENAI_API_KEY);
  expect(store.path).toBe("(content)");
});

it("fetches an http(s) URL, and a missing one is a ConfigError naming it", async () => {
  served.length = 0;
  expect(await new EncryptedFileSecretStore({ path: `${base}/secrets.enc`, password: PASSWORD }).get("OPENAI_API_KEY")).toBe(SECRETS.OPENAI_API_KEY);
  expect(served).toEqual(["/secrets.enc"]);
  const missing = await new EncryptedFileSecretStore({ path: `${base}/gone.enc`, password: PASSWORD }).get("OPENAI_API_KEY").catch((error: unknown) => error);
  expect(missing).toBeInstanceOf(ConfigError);
  expect((missing as ConfigError).message).toContain(`${base}/gone.enc does not exist`);
});

it("leaves a signed URL's query out of its messages", async () => {
  const signed = `${base}/gone.enc?X-Amz-Signature=secret-signature-0123456789`;
  const missing = (await new EncryptedFileSecretStore({ path: signed, password: PASSWORD }).get("OPENAI_API_KEY").catch((error: unknown) => error)) as ConfigError;
  expect(missing.message).toContain(`${base}/gone.enc?… does not exist`);
  expect(missing.message).not.toContain("secret-signature");
  const found = new EncryptedFileSecretStore({ path: `${base}/secrets.enc?X-Amz-Signature=secret-signature-0123456789`, password: PASSWORD });
  const absent = (await found.get("NO_SUCH_KEY").catch((error: unknown) => error)) as Error;
  expect(absent.name).toBe("SecretNotFoundError");
  expect(absent.message).toContain(`${base}/secrets.enc?…`);
  expect(absent.message).not.toContain("secret-signature");
});

it("fetches the path as a URL where the runtime has no file system (a browser)", async () => {
  const fetched: string[] = [];
  vi.stubGlobal("process", { ...process, getBuiltinModule: undefined });
  vi.stubGlobal("fetch", async (url: string) => (fetched.push(url), new Response(text, { status: 200 })));
  const store = new EncryptedFileSecretStore({ path: "/assets/secrets.enc", password: PASSWORD });
  expect(await store.get("OPENAI_API_KEY")).toBe(SECRETS.OPENAI_API_KEY);
  expect(fetched).toEqual(["/assets/secrets.enc"]);
});

it("is a secret store a configuration names, and its key reaches the provider", async () => {
  const fake = await startFakeOpenAI();
  try {
    const client = create({
      config: {
        secrets: { store: "encrypted-file", config: { path: `${base}/secrets.enc`, password: PASSWORD } },
        providers: { openai: { connector: "openai", config: { base_url: fake.url, api_key: "${secrets:OPENAI_API_KEY}" } } },
      },
    });
    await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRETS.OPENAI_API_KEY}`);
    await client.close();
  } finally {
    await fake.close();
  }
});

it("works as README's browser snippet shows (an instance, a provider in code)", async () => {
  const fake = await startFakeOpenAI();
  try {
    const store = new EncryptedFileSecretStore({ content: text, password: PASSWORD });
    const client = create("chat-completion", {
      secrets: { instance: store },
      providers: [{ connector: "openai", config: { apiKey: "${secrets:OPENAI_API_KEY}", baseUrl: fake.url } }],
    });
    await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRETS.OPENAI_API_KEY}`);
    await client.close();
  } finally {
    await fake.close();
  }
});

it("refuses neither path nor content, and empty content", () => {
  expect(() => new EncryptedFileSecretStore({ password: PASSWORD })).toThrow(ConfigError);
  expect(() => new EncryptedFileSecretStore({ content: "", password: PASSWORD })).toThrow(/content must be/);
});
