// Property-based fuzzing of everything the proxy parses from a caller: paths, relay URLs, headers, JSON bodies,
// multipart bodies. Whatever comes in: a typed 2xx/4xx answer (never a 5xx: providers are healthy), in bounded time, no relay
// to anything off the allow-list, and nothing changes for another caller (its requests and its rate-limit budget).
// FUZZ_RUNS scales the number of cases (default keeps the suite fast); fast-check prints the seed of any failure.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, type MeshClient } from "modelmesh";
import { createProxy, type Proxy } from "../src/handler.js";
import { BUILTIN_RELAY_HOSTS, type RelayTransport } from "../src/relay.js";
import { startMeshFakes, TOKEN } from "./support.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const OTHER = "other-caller-token-0123456789";
// Private hosts are allow-listed on purpose: only the private-address rule stands between them and the transport.
const PRIVATE_LISTED = ["127.0.0.1", "localhost", "intranet", "metadata.internal", "*.corp.internal", "*.x.local", "[::1]", "169.254.169.254", "[::ffff:7f00:1]", "[fe80::1]", "[2001::1]", "[64:ff9b::a9fe:a9fe]"];
const EXTRA_HOSTS = ["*.x-provider.com", "llm.example.com", ...PRIVATE_LISTED];

/**
 * The test's own idea of what may be relayed, written independently of addresses.ts: https, default port, a public
 * name equal to a listed host or under a listed `*.` domain on a label boundary.
 */
function mayRelay(url: URL): boolean {
  const name = url.hostname.toLowerCase().replace(/\.+$/, "");
  if (url.protocol !== "https:" || url.port !== "" || url.username !== "" || url.password !== "") return false;
  if (/^[\d.]+$/.test(name) || name.startsWith("[") || !name.includes(".") || /\.(localhost|local|internal)$/.test(name)) return false;
  return [...BUILTIN_RELAY_HOSTS, "*.x-provider.com", "llm.example.com"].some((host) => {
    if (!host.startsWith("*.")) return name === host;
    const suffix = host.slice(1); // ".x-provider.com": ending with it means a whole label boundary
    return name.endsWith(suffix) && name.length > suffix.length;
  });
}
const ANSWER_LIMIT_MS = 10_000;

let fakes: Awaited<ReturnType<typeof startMeshFakes>>;
let client: MeshClient;
const relayed: URL[] = [];

const transport: RelayTransport = Object.assign(
  async (target: URL, request: { body: ReadableStream<Uint8Array> | Uint8Array | null }) => {
    relayed.push(target);
    // Read what the relay sends up, as a real upstream would (and so its size limit is exercised).
    if (request.body) await new Response(request.body as BodyInit).arrayBuffer();
    return new Response('{"ok":true}', { headers: { "content-type": "application/json", "set-cookie": "a=b" } });
  },
  { checksAddresses: true },
);

function newProxy(requestsPerMinute = 1_000_000, now = () => 1_000_000): Proxy {
  return createProxy({
    listening: { host: "127.0.0.1" },
    mesh: client,
    tokens: [TOKEN, OTHER],
    maxBodyBytes: 64 * 1024,
    rateLimit: { requestsPerMinute },
    now,
    relay: { transport, allowHosts: EXTRA_HOSTS },
    warn: () => {},
  });
}

/** Settles within the limit or fails the property: a hang is a failure, not a slow test. */
async function within<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_LIMIT_MS} ms: ${what}`)), ANSWER_LIMIT_MS)));
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a request and reads the whole answer; checks what every answer must be. */
async function exchange(proxy: Proxy, request: Request, what: string): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await within(proxy.handle(request), what);
  const body = await within(response.text(), `body of ${what}`);
  // The fake providers and the relay's transport are healthy throughout: a 5xx could only mean the caller's input
  // broke something (a crash, or a failure blamed on a provider, which cools models down for every caller).
  expect(response.status, `${what} -> ${response.status}`).toBeGreaterThanOrEqual(200);
  expect(response.status, `${what} -> ${response.status}`).toBeLessThan(500);
  expect(response.headers.get("x-request-id"), what).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  const json = (response.headers.get("content-type") ?? "").startsWith("application/json");
  if (response.status >= 400 && response.status !== 499 && json) {
    const parsed = JSON.parse(body) as { error?: { message?: unknown; type?: unknown; code?: unknown } };
    expect(typeof parsed.error?.message, what).toBe("string");
    expect(typeof parsed.error?.type, what).toBe("string");
    expect(parsed.error?.code, what).not.toBe("internal_error");
    expect((parsed.error!.message as string).length, what).toBeLessThanOrEqual(2_001);
  }
  return { status: response.status, body, headers: response.headers };
}

/** Another caller's ordinary request, which must keep working whatever came before it. */
async function otherCallerStillServed(proxy: Proxy): Promise<void> {
  const request = new Request("http://localhost/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${OTHER}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "still served" }] }),
  });
  const { status, body } = await exchange(proxy, request, "the other caller's request");
  expect(status, body).toBe(200);
  expect(body).toContain("still served");
}

function safeRequest(url: string, init: RequestInit): Request | undefined {
  try {
    return new Request(url, init);
  } catch {
    return undefined; // not even a request (an invalid header value, a forbidden method): nothing for the proxy to see
  }
}

const authorization = fc.oneof(
  fc.constant(`Bearer ${TOKEN}`),
  fc.constant(`bearer ${TOKEN}`),
  fc.constant(`Basic ${btoa(`user:${TOKEN}`)}`),
  fc.constant(TOKEN),
  fc.constant("Bearer "),
  fc.string({ maxLength: 80 }).map((text) => `Bearer ${text}`),
  fc.string({ maxLength: 80 }),
);

const headerValue = fc.oneof(fc.string({ maxLength: 200 }), fc.stringMatching(/^[\x20-\x7e]{0,300}$/), fc.constantFrom("", "null", "*", "-1", "1e309", "NaN", "0x10", "99999999999999999999"));

const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom("authorization", "x-modelmesh-proxy-token", "x-request-id", "origin", "host", "content-type", "content-length", "connection", "transfer-encoding", "cookie", "x-forwarded-for", "access-control-request-method", "accept-encoding"),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
  ),
  headerValue,
  { maxKeys: 8 },
).chain((extra) => fc.option(authorization, { nil: undefined }).map((value) => (value === undefined ? extra : { ...extra, authorization: value })));

const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PROPFIND", "get");

const hosts = fc.oneof(
  fc.constantFrom("api.openai.com", "API.OPENAI.COM.", "a.x-provider.com", "x-provider.com", "evilx-provider.com", "x-provider.com.evil.net", "llm.example.com", "westeurope.tts.speech.microsoft.com"),
  fc.constantFrom("127.0.0.1", "127.1", "0x7f.1", "2130706433", "[::1]", "[::ffff:7f00:1]", "[::ffff:0:7f00:1]", "[64:ff9b::a9fe:a9fe]", "[2001::1]", "[2002:a9fe:a9fe::]", "169.254.169.254", "localhost", "intranet", "x.internal", "a.corp.internal", "b.x.local", "metadata.internal", "a.local", "[fe80::1]"),
  fc.domain(),
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6().map((address) => `[${address}]`),
  fc.string({ maxLength: 30 }),
);

const relayTarget = fc
  .tuple(
    fc.constantFrom("https://", "http://", "HTTPS://", "https:/", "https:", "ftp://", "javascript:", "", "https%3A%2F%2F", "//", "https:\\\\"),
    fc.option(fc.constantFrom("user:pass@", "user@", ":@", "%40@"), { nil: "" }),
    hosts,
    fc.option(fc.oneof(fc.constantFrom(":443", ":80", ":8443", ":0", ":65536", ":"), fc.integer({ min: 0, max: 70_000 }).map((port) => `:${port}`)), { nil: "" }),
    fc.oneof(fc.webPath(), fc.string({ maxLength: 40 })),
    fc.option(fc.webQueryParameters().map((query) => `?${query}`), { nil: "" }),
  )
  .map((parts) => parts.join(""));

beforeAll(async () => {
  fakes = await startMeshFakes();
  client = create({ config: fakes.config });
  await client.ready();
});

afterAll(async () => {
  await client?.close();
  await fakes?.close();
});

describe("10. fuzzing the proxy's request parsing", () => {
  it("any path, method and headers: a typed answer, and the other caller is still served", async () => {
    const proxy = newProxy();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.webPath(), fc.string({ maxLength: 120 }).map((text) => `/${text}`), fc.constantFrom("/v1/", "/v1/models/%", "/v1/models/%E0%A4%A", "/proxy", "/proxy/", "/metrics?x", "/health#x", "//v1/models", "/v1/../metrics")), method, headers, async (path, verb, extra) => {
        const request = safeRequest(`http://localhost${path.startsWith("/") ? path : `/${path}`}`, { method: verb, headers: extra });
        fc.pre(request !== undefined);
        const { status } = await exchange(proxy, request!, `${verb} ${path} ${JSON.stringify(extra)}`);
        // Only a request with this proxy's token, in a way that counts, gets past authentication on /v1 and /metrics.
        const authorised = /^bearer /i.test(extra.authorization ?? "") ? extra.authorization!.slice(7).trim() === TOKEN : (extra["x-modelmesh-proxy-token"] ?? "") === TOKEN;
        if (!authorised && (path.startsWith("/v1/") || path === "/metrics") && verb !== "OPTIONS" && status < 400) throw new Error(`unauthenticated ${verb} ${path} answered ${status}`);
        await otherCallerStillServed(proxy);
      }),
      { numRuns: RUNS },
    );
  });

  it("any relay URL: the transport is only ever called for https, allow-listed, non-private hosts", async () => {
    const proxy = newProxy();
    await fc.assert(
      fc.asyncProperty(relayTarget, fc.constantFrom("GET", "POST"), async (target, verb) => {
        relayed.length = 0;
        const request = safeRequest(`http://localhost/proxy/${target}`, { method: verb, headers: { "x-modelmesh-proxy-token": TOKEN }, ...(verb === "POST" ? { body: "{}" } : {}) });
        fc.pre(request !== undefined);
        const { status, headers: answer } = await exchange(proxy, request!, `${verb} /proxy/${target}`);
        for (const url of relayed) expect(mayRelay(url), `${target} reached ${url.href}`).toBe(true);
        if (status === 200) {
          expect(relayed).toHaveLength(1);
          expect(answer.get("x-content-type-options")).toBe("nosniff");
          expect(answer.get("set-cookie")).toBeNull();
        }
      }),
      {
        numRuns: RUNS * 5,
        // Lookalikes of allowed hosts and private hosts that are on the allow-list.
        examples: [["https://evilx-provider.com/v1", "GET"], ["https://x-provider.com.evil.net/", "GET"], ["https://api.openai.com.evil.net/", "POST"], ["https://0x7f.1/", "GET"], ["https://[::ffff:127.0.0.1]/", "GET"], ["https://metadata.internal/", "GET"], ["https://intranet./", "GET"]],
      },
    );
  });

  it("any JSON (or almost-JSON) body on any route: 2xx or a typed 4xx, never a crash, a hang or a cooled-down model", async () => {
    const proxy = newProxy();
    const route = fc.constantFrom("/v1/chat/completions", "/v1/embeddings", "/v1/images/generations", "/v1/audio/speech", "/v1/chat/completions");
    const model = fc.oneof(fc.constantFrom("chat", "alpha", "beta", "alpha-embed", "tts-1", "dall-e-3", "chat-completion", "text-embeddings", "a/alpha", "", "__proto__", "constructor"), fc.string({ maxLength: 300 }), fc.jsonValue({ maxDepth: 2 }));
    const shaped = fc
      .record(
        {
          model,
          messages: fc.oneof(fc.array(fc.record({ role: fc.constantFrom("user", "system", "assistant", "tool", "developer", "x"), content: fc.oneof(fc.string({ maxLength: 50 }), fc.jsonValue({ maxDepth: 3 })) }, { requiredKeys: [] }), { maxLength: 4 }), fc.jsonValue({ maxDepth: 3 })),
          input: fc.oneof(fc.string({ maxLength: 50 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
          prompt: fc.string({ maxLength: 50 }),
          stream: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
          n: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.double()),
          tools: fc.jsonValue({ maxDepth: 4 }),
          __proto__: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value));
    const body = fc.oneof(
      shaped,
      fc.json({ maxDepth: 6 }),
      fc.string({ maxLength: 300 }),
      fc.integer({ min: 1, max: 5_000 }).map((depth) => `{"model":"chat","messages":${"[".repeat(depth)}${"]".repeat(depth)}}`),
      fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
      // Deep nesting inside a field the mesh passes on to the provider: the one a JSON.stringify would choke on.
      fc.tuple(fc.constantFrom("metadata", "tools", "response_format", "user"), fc.integer({ min: 100, max: 20_000 })).map(
        ([field, depth]) => `{"model":"chat","messages":[{"role":"user","content":"hi"}],"${field}":${"[".repeat(depth)}${"]".repeat(depth)}}`,
      ),
      fc.integer({ min: 60_000, max: 80_000 }).map((size) => `{"model":"chat","messages":[{"role":"user","content":"${"x".repeat(size)}"}]}`),
      shaped.map((text) => text.slice(0, Math.max(1, text.length >> 1))),
    );
    await fc.assert(
      fc.asyncProperty(route, body, fc.constantFrom("application/json", "text/plain", "application/json; charset=utf-16", ""), async (path, text, contentType) => {
        const request = new Request(`http://localhost${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, ...(contentType ? { "content-type": contentType } : {}) }, body: text });
        await exchange(proxy, request, `POST ${path} ${text.slice(0, 200)}`);
        await otherCallerStillServed(proxy);
      }),
      { numRuns: RUNS, examples: [["/v1/chat/completions", `{"model":"chat","messages":[{"role":"user","content":"hi"}],"metadata":${"[".repeat(20_000)}${"]".repeat(20_000)}}`, "application/json"]] },
    );
  });

  it("any multipart body for transcriptions: a typed answer, never a crash", async () => {
    const proxy = newProxy();
    const fieldName = fc.oneof(fc.constantFrom("file", "model", "response_format", "language", "timestamp_granularities[]", "__proto__[]", "constructor[]", "toString[]", "__proto__", "prompt", "[]"), fc.string({ maxLength: 20 }));
    const part = fc.record({ name: fieldName, filename: fc.option(fc.constantFrom("a.wav", "", "../../etc/passwd", "x\".wav"), { nil: undefined }), value: fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom("whisper-1", "speech-to-text", "text", "srt", "verbose_json")) });
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 6 }), fc.constantFrom("boundary", "b-1", "", "x".repeat(71)), fc.boolean(), async (parts, boundary, truncate) => {
        let text = parts
          .map((item) => `--${boundary}\r\nContent-Disposition: form-data; name="${item.name}"${item.filename === undefined ? "" : `; filename="${item.filename}"`}\r\n${item.filename === undefined ? "" : "Content-Type: audio/wav\r\n"}\r\n${item.value}\r\n`)
          .join("");
        text += `--${boundary}--\r\n`;
        if (truncate) text = text.slice(0, text.length >> 1);
        const request = safeRequest("http://localhost/v1/audio/transcriptions", { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": `multipart/form-data; boundary=${boundary}` }, body: text });
        fc.pre(request !== undefined);
        await exchange(proxy, request!, `multipart ${text.slice(0, 300)}`);
        await otherCallerStillServed(proxy);
      }),
      {
        numRuns: RUNS,
        // Field names that are also Object.prototype members, and an array field after a plain one of the same name.
        examples: [
          [[{ name: "toString[]", filename: undefined, value: "x" }, { name: "file", filename: "a.wav", value: "RIFF" }, { name: "model", filename: undefined, value: "whisper-1" }], "boundary", false],
          [[{ name: "__proto__[]", filename: undefined, value: "x" }, { name: "file", filename: "a.wav", value: "RIFF" }, { name: "model", filename: undefined, value: "whisper-1" }], "boundary", false],
          [[{ name: "language", filename: undefined, value: "en" }, { name: "language[]", filename: undefined, value: "de" }, { name: "file", filename: "a.wav", value: "RIFF" }, { name: "model", filename: undefined, value: "whisper-1" }], "boundary", false],
        ],
      },
    );
  });

  it("hostile requests under one token never spend another token's rate-limit budget", async () => {
    // Mostly requests that get past authentication (the token, no foreign Origin), so they reach the rate limiter.
    const meshPath = fc.oneof(fc.constantFrom("/v1/models", "/v1/chat/completions", "/v1/embeddings", "/v1/models/alpha"), fc.webPath().map((path) => `/v1${path}`));
    const quietHeaders = fc.dictionary(fc.constantFrom("x-request-id", "content-type", "content-length", "accept", "x-junk"), headerValue, { maxKeys: 3 });
    const anyRequest = fc.tuple(
      fc.oneof({ weight: 3, arbitrary: meshPath }, { weight: 2, arbitrary: relayTarget.map((target) => `/proxy/${target}`) }, { weight: 1, arbitrary: fc.webPath() }),
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom("GET", "POST") }, { weight: 1, arbitrary: method }),
      fc.oneof({ weight: 3, arbitrary: quietHeaders }, { weight: 1, arbitrary: headers }),
      fc.option(fc.json({ maxDepth: 3 }), { nil: undefined }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(anyRequest, { minLength: 1, maxLength: 8 }), async (requests) => {
        // A frozen clock: nothing refills, so every request counted against the other token would show.
        const proxy = newProxy(3);
        const other = () => proxy.handle(new Request("http://localhost/v1/models", { headers: { authorization: `Bearer ${OTHER}` } }));
        expect((await other()).status).toBe(200);
        for (const [path, verb, extra, body] of requests) {
          // Whatever token these carry, it is never the other caller's.
          const withoutOther = Object.fromEntries(Object.entries(extra).filter(([, value]) => !value.includes(OTHER)));
          const request = safeRequest(`http://localhost${path.startsWith("/") ? path : `/${path}`}`, { method: verb, headers: { authorization: `Bearer ${TOKEN}`, "x-modelmesh-proxy-token": TOKEN, ...withoutOther }, ...(body !== undefined && verb !== "GET" && verb !== "HEAD" ? { body } : {}) });
          if (request) await exchange(proxy, request, `${verb} ${path}`);
        }
        expect((await other()).status).toBe(200);
        expect((await other()).status).toBe(200);
        expect((await other()).status).toBe(429);
      }),
      { numRuns: Math.max(10, RUNS >> 1) },
    );
  });
});
