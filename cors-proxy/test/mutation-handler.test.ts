/**
 * The Web-standard handler, edges the end-to-end suites leave out (found by mutation testing): what each refusal
 * says, which route a request is counted under in /metrics and for how long, which requests a token-guarded server
 * may read, /health and /ready for every mesh state, and which secrets are scrubbed from messages. Everything is
 * observed on the answers `handle()` gives (status, body, headers, the /metrics text).
 *
 * Equivalent mutants of src/handler.ts (no observable difference), left alive:
 * - hostOfUrl `end <= 0`, pathAndQuery `start <= 0`, route `query <= 0`: those indexes are never 0 (a URL starts
 *   with a scheme, a path with "/").
 * - the relay's provider hosts without a mesh `() => []` -> `() => undefined` or `["Stryker was here"]`, and
 *   providerHosts' `[]` -> `["Stryker was here"]`: no request targets such a host, and the relay treats an unknown
 *   list as an empty one.
 * - isKnownModel without a mesh (`() => undefined` / `() => true`): only mesh routes, which need a mesh, ask it.
 * - localHosts' `listening.host.toLowerCase()` -> `toUpperCase()`: a token-less proxy listens on a loopback host,
 *   and the only loopback names with letters are forms of "localhost", already in the set.
 * - the redactor's tokens default `[]` -> `["Stryker was here"]`: a phrase no message contains.
 * - caller "address:unknown" -> "address:": one key for every caller without an address either way.
 * - respond()'s initial `name = "rejected"`: always overwritten by answer() or by "error".
 * - admits() `presented !== ""` -> `true` / another string: TokenSet never matches "" (tokens are non-empty).
 * - providerHostsOf: the catch block emptied (config stays undefined, equal to the initial `seen`, so it returns
 *   undefined as before); `config !== seen` -> `true` (recomputes the same hosts).
 * - providerHosts `typeof base === "string"` -> `true`: `new URL(undefined)` throws and is caught.
 * - secretValues: `mesh?.mesh` -> `mesh.mesh` and `?? []` -> `["Stryker was here"]` (both throw inside the try
 *   without a mesh), `typeof value === "string"` -> `true` (the redactor skips values that are not strings),
 *   `process?.env` -> `process.env` (Node always has it).
 * Stryker also reports `crypto.randomUUID().slice(0, 8)` -> `crypto.randomUUID()` as surviving: the prefix is made
 * once per process (`??=`), before its runner switches that mutant on. Applied by hand, "request ids" below fails.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { MeshClient } from "modelmesh";
import { createProxy } from "../src/handler.js";
import type { RelayRequest } from "../src/relay.js";
import { BufferedRequest } from "../src/responses.js";

const TOKEN = "handler-token-0123456789abcdef";
const OTHER_TOKEN = "handler-token-second-9876543210";
const local = { host: "127.0.0.1" };
const request = (path: string, init: RequestInit = {}) => new Request(`http://localhost${path}`, init);

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { message: string; type: string; param: string | null; code: string | null } }).error;
}

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
});

describe("what each refusal says", () => {
  it("401 names where the token goes (relay header or bearer), or says the one given is not valid", async () => {
    const proxy = createProxy({ listening: local, tokens: [TOKEN] });
    const relay = await proxy.handle(request("/proxy/https://api.openai.com/v1/models"));
    expect(relay.status).toBe(401);
    expect(relay.headers.get("www-authenticate")).toBe('Bearer realm="modelmesh-proxy"');
    expect(await errorOf(relay)).toMatchObject({ message: "this proxy requires a token in the x-modelmesh-proxy-token header", code: "invalid_api_key", type: "invalid_request_error" });
    const mesh = await proxy.handle(request("/v1/models"));
    expect((await errorOf(mesh)).message).toBe("this proxy requires a token in Authorization: Bearer <token>");
    const wrong = await proxy.handle(request("/v1/models", { headers: { authorization: "Bearer not-the-token" } }));
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).message).toBe("the proxy token is not valid");
    // In relay mode Authorization belongs to the provider: a bearer there is no proxy token at all.
    const bearerOnRelay = await proxy.handle(request("/proxy/https://api.openai.com/v1/models", { headers: { authorization: `Bearer ${TOKEN}` } }));
    expect((await errorOf(bearerOnRelay)).message).toBe("this proxy requires a token in the x-modelmesh-proxy-token header");
  });

  it("503 after close(), in OpenAI's shape", async () => {
    const proxy = createProxy({ listening: local });
    await proxy.close();
    const response = await proxy.handle(request("/health"));
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toEqual({ message: "the proxy is shutting down", type: "server_error", param: null, code: "shutting_down" });
  });

  it("403 for a foreign host names it; IPv6 loopback and any case of localhost are served; a token lifts the rule", async () => {
    const proxy = createProxy({ listening: local });
    const foreign = await proxy.handle(new Request("http://Evil.Example:8787/health"));
    expect(foreign.status).toBe(403);
    expect(await errorOf(foreign)).toMatchObject({ message: "requests for host evil.example are refused: without a token this proxy serves localhost only", code: "host_not_allowed" });
    const v6 = await proxy.handle(new Request("http://localhost/health", { headers: { host: "[::2]:8787" } }));
    expect(v6.status).toBe(403);
    expect((await errorOf(v6)).message).toContain("requests for host [::2] are refused");
    for (const host of ["[::1]:8787", "[::1]", "LOCALHOST:8787", "127.0.0.1"]) {
      expect((await proxy.handle(new Request("http://localhost/health", { headers: { host } }))).status, host).toBe(200);
    }
    const guarded = createProxy({ listening: local, tokens: [TOKEN] });
    expect((await guarded.handle(new Request("http://evil.example/health"))).status).toBe(200);
  });

  it("404 names the method and path; the relay switched off and a proxy without a mesh say so", async () => {
    const proxy = createProxy({ listening: local, relay: { enabled: false } });
    expect(await errorOf(await proxy.handle(request("/nowhere", { method: "DELETE" })))).toMatchObject({ message: "Invalid URL (DELETE /nowhere)", code: null });
    const relay = await proxy.handle(request("/proxy/https://api.openai.com/v1/models"));
    expect(relay.status).toBe(404);
    expect(await errorOf(relay)).toMatchObject({ message: "the relay is disabled on this proxy", code: "relay_disabled", type: "invalid_request_error" });
    const mesh = await proxy.handle(request("/v1/chat/completions", { method: "POST", body: "{}" }));
    expect(mesh.status).toBe(404);
    expect(await errorOf(mesh)).toMatchObject({ message: "this proxy runs without a mesh (relay only)", code: "not_found" });
  });

  it("a refused preflight and a refused origin say why", async () => {
    const proxy = createProxy({ listening: local, cors: { enabled: true, allowedOrigins: ["https://app.example"] } });
    const preflight = await proxy.handle(request("/v1/models", { method: "OPTIONS", headers: { origin: "https://app.example" } }));
    expect(preflight.status).toBe(403);
    expect(await errorOf(preflight)).toMatchObject({ message: "CORS preflight refused: this origin is not allowed", code: "origin_not_allowed" });
    const origin = await proxy.handle(request("/health", { headers: { origin: "https://other.example" } }));
    expect(await errorOf(origin)).toMatchObject({ message: "origin https://other.example is not allowed to use this proxy", code: "origin_not_allowed" });
    // No Origin, no CORS headers.
    const plain = await proxy.handle(request("/health"));
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("connection: close after a refusal that left the body unread", () => {
  it("is set on a 4xx whose body nobody read, and not on an answer that read it or had none", async () => {
    const proxy = createProxy({ listening: local, tokens: [TOKEN] });
    const body = () => new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode("{")) });
    const refused = await proxy.handle(request("/v1/chat/completions", { method: "POST", body: body(), duplex: "half" } as RequestInit));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("connection")).toBe("close");
    const health = await proxy.handle(request("/health"));
    expect(health.headers.get("connection")).toBeNull();
    // A 400 (not multipart) refused before reading the body: the connection closes too.
    const meshless = createProxy({ listening: local, mesh: stubMesh({ state: "ready", pools: { chat: { active: 1, standby: 0, total: 1 } } }) });
    const notMultipart = await meshless.handle(request("/v1/audio/transcriptions", { method: "POST", headers: { "content-type": "application/json" }, body: body(), duplex: "half" } as RequestInit));
    expect(notMultipart.status).toBe(400);
    expect(notMultipart.headers.get("connection")).toBe("close");
  });
});

describe("admits(): may a server read this request's body before answering", () => {
  it("with tokens: only a matching token, in the header the path's mode reads; without tokens: always", () => {
    const proxy = createProxy({ listening: local, tokens: [TOKEN, OTHER_TOKEN] });
    const headers = (values: Record<string, string>) => new Headers(values);
    expect(proxy.admits(headers({ authorization: `Bearer ${TOKEN}` }), "/v1/chat/completions")).toBe(true);
    expect(proxy.admits(headers({ authorization: `Bearer ${OTHER_TOKEN}` }), "/v1/chat/completions")).toBe(true);
    expect(proxy.admits(headers({ "x-modelmesh-proxy-token": TOKEN }), "/v1/chat/completions")).toBe(true);
    expect(proxy.admits(headers({ authorization: "Bearer wrong" }), "/v1/chat/completions")).toBe(false);
    expect(proxy.admits(headers({}), "/v1/chat/completions")).toBe(false);
    for (const path of ["/proxy/https://api.openai.com/v1/x", "/proxy", "/proxy?x=1"]) {
      expect(proxy.admits(headers({ authorization: `Bearer ${TOKEN}` }), path), path).toBe(false);
      expect(proxy.admits(headers({ "x-modelmesh-proxy-token": OTHER_TOKEN }), path), path).toBe(true);
      expect(proxy.admits(headers({ "x-modelmesh-proxy-token": "" }), path), path).toBe(false);
    }
    // A path merely starting with "proxy" letters is mesh mode: the bearer counts there.
    expect(proxy.admits(headers({ authorization: `Bearer ${TOKEN}` }), "/proxyx")).toBe(true);
    expect(createProxy({ listening: local }).admits(headers({}), "/v1/chat/completions")).toBe(true);
  });
});

describe("/metrics: route names and durations", () => {
  it("counts each request under its fixed route name, with the time the injected clock measured", async () => {
    let clock = 1_000_000;
    const proxy = createProxy({ listening: local, tokens: [TOKEN], cors: { enabled: true, allowedOrigins: ["https://app.example"] }, now: () => (clock += 500) });
    const auth = { authorization: `Bearer ${TOKEN}` };
    await proxy.handle(request("/health?verbose=1"));
    await proxy.handle(request("/ready?x=1"));
    await proxy.handle(request("/v1/models/some-model", { headers: auth }));
    await proxy.handle(request("/v1/unknown", { headers: auth }));
    await proxy.handle(request("/proxy/https://api.openai.com/v1/models"));
    await proxy.handle(request("/nowhere"));
    await proxy.handle(request("/v1/models", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "GET" } }));
    await proxy.handle(request("/health", { headers: { origin: "https://other.example" } }));
    const text = await (await proxy.handle(request("/metrics", { headers: auth }))).text();
    expect(text).toContain('modelmesh_proxy_requests_total{route="/health",status="200"} 1');
    expect(text).toContain('modelmesh_proxy_requests_total{route="/ready",status="200"} 1');
    expect(text).toContain('modelmesh_proxy_requests_total{route="/v1/models",status="404"} 1');
    expect(text).toContain('modelmesh_proxy_requests_total{route="not_found",status="404"} 2');
    expect(text).toContain('modelmesh_proxy_requests_total{route="/proxy",status="401"} 1');
    expect(text).toContain('modelmesh_proxy_requests_total{route="preflight",status="204"} 1');
    expect(text).toContain('modelmesh_proxy_requests_total{route="rejected",status="403"} 1');
    // Each request read the clock twice, 500 ms apart.
    expect(text).toContain('modelmesh_proxy_request_duration_seconds_sum{route="/health"} 0.5');
    await proxy.close();
    await proxy.handle(request("/health"));
    expect(proxy.metrics.render()).toContain('modelmesh_proxy_requests_total{route="closed",status="503"} 1');
  });
});

/** A stand-in for the mesh's state and pool status: /health and /ready read nothing else. */
function stubMesh(options: { state: string; pools?: Record<string, { active: number; standby: number; total: number }>; meshError?: { code: string }; poolsThrow?: boolean }): MeshClient {
  return {
    state: options.state,
    get mesh() {
      if (options.meshError) throw Object.assign(new Error("mesh not available"), options.meshError);
      return { config: { providers: [] } };
    },
    poolStatus() {
      if (options.poolsThrow) throw new Error("not started");
      return options.pools ?? {};
    },
    describe: () => ({ pools: {} }),
  } as unknown as MeshClient;
}

describe("/health and /ready", () => {
  const get = async (proxy: ReturnType<typeof createProxy>, path: string) => {
    const response = await proxy.handle(request(path));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("without a mesh: healthy with mesh none, and ready", async () => {
    const proxy = createProxy({ listening: local });
    expect(await get(proxy, "/health")).toEqual({ status: 200, body: { status: "ok", mesh: "none" } });
    expect(await get(proxy, "/ready")).toEqual({ status: 200, body: { status: "ready" } });
  });

  it("reports a starting mesh as starting and a failed one as failed", async () => {
    expect((await get(createProxy({ listening: local, mesh: stubMesh({ state: "starting", meshError: { code: "not_ready" } }) }), "/health")).body).toEqual({ status: "ok", mesh: "starting" });
    expect((await get(createProxy({ listening: local, mesh: stubMesh({ state: "failed", meshError: { code: "config_error" } }) }), "/health")).body).toEqual({ status: "ok", mesh: "failed" });
    expect((await get(createProxy({ listening: local, mesh: stubMesh({ state: "ready" }) }), "/health")).body).toEqual({ status: "ok", mesh: "started" });
    expect(await get(createProxy({ listening: local, mesh: stubMesh({ state: "failed", poolsThrow: true }) }), "/ready")).toEqual({ status: 503, body: { status: "starting" } });
  });

  it("is ready when any pool has an active model, unavailable (503) when none has", async () => {
    const some = { chat: { active: 1, standby: 0, total: 1 }, embed: { active: 0, standby: 0, total: 1 } };
    expect(await get(createProxy({ listening: local, mesh: stubMesh({ state: "ready", pools: some }) }), "/ready")).toEqual({ status: 200, body: { status: "ready", pools: some } });
    const none = { chat: { active: 0, standby: 1, total: 1 } };
    expect(await get(createProxy({ listening: local, mesh: stubMesh({ state: "ready", pools: none }) }), "/ready")).toEqual({ status: 503, body: { status: "unavailable", pools: none } });
  });
});

describe("secrets scrubbed from messages", () => {
  it("removes the proxy's tokens, keys from the configuration and *_KEY values from the environment", async () => {
    const ENV_SECRET = "env-unshaped-secret-4f9d2c7a1b";
    process.env["MUTATION_HANDLER_SERVICE_KEY"] = ENV_SECRET;
    const CONFIG_SECRET = "config-unshaped-secret-8e1f3a6c2d";
    const mesh = {
      ...stubMesh({ state: "ready" }),
      mesh: { config: { providers: [{ config: { api_key: CONFIG_SECRET } }, { config: { apiKey: `${CONFIG_SECRET}-camel` } }] } },
    } as unknown as MeshClient;
    const proxy = createProxy({ listening: local, tokens: [TOKEN], mesh });
    for (const secret of [ENV_SECRET, CONFIG_SECRET, `${CONFIG_SECRET}-camel`, TOKEN]) {
      const response = await proxy.handle(request(`/nowhere/${secret}`, { headers: { authorization: `Bearer ${TOKEN}` } }));
      expect(response.status, secret).toBe(404);
      const message = (await errorOf(response)).message;
      expect(message, secret).toMatch(/^Invalid URL \(GET \/nowhere\//);
      expect(message, secret).not.toContain(secret);
    }
  });
});

describe("a mesh request the caller abandoned", () => {
  it("is answered 499 (client closed request), not as a failure", async () => {
    const controller = new AbortController();
    const mesh = {
      ...stubMesh({ state: "ready" }),
      ready: async () => {},
      chat: {
        completions: {
          create: async () => {
            controller.abort();
            throw new Error("aborted by the caller");
          },
        },
      },
    } as unknown as MeshClient;
    const proxy = createProxy({ listening: local, mesh });
    const response = await proxy.handle(request("/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "x", messages: [] }) }), { signal: controller.signal });
    expect(response.status).toBe(499);
    expect(await response.text()).toBe("");
  });
});

// Added after a second mutation run (handler.ts survivors).
describe("request ids", () => {
  it("are mmp- and 8 hex digits, then a base-36 counter: distinct for every request", async () => {
    const proxy = createProxy({ listening: local });
    const ids = new Set<string>();
    for (let index = 0; index < 30; index++) {
      const id = (await proxy.handle(request("/health"))).headers.get("x-request-id")!;
      expect(id).toMatch(/^mmp-[0-9a-f]{8}-[0-9a-z]+$/);
      ids.add(id);
    }
    expect(ids.size).toBe(30);
  });
});

describe("requests an adapter built without a Host header or a path", () => {
  // A BufferedRequest's URL is whatever the adapter wrote: the host then comes from the URL, and no path means "/".
  const bare = (url: string) => new BufferedRequest("GET", url, { get: () => null, has: () => false }, null, () => []);

  it("are checked against the URL's host and routed as /", async () => {
    const proxy = createProxy({ listening: local });
    const foreign = await proxy.handle(bare("http://evil.example"));
    expect((await errorOf(foreign)).message).toBe("requests for host evil.example are refused: without a token this proxy serves localhost only");
    const root = await proxy.handle(bare("http://127.0.0.1:8787"));
    expect(root.status).toBe(404);
    expect((await errorOf(root)).message).toBe("Invalid URL (GET /)");
  });

  it("an IPv6 Host is named lower-cased, and a Host without a name is named empty", async () => {
    const proxy = createProxy({ listening: local });
    const v6 = await proxy.handle(new Request("http://localhost/health", { headers: { host: "[FE80::AB]:8787" } }));
    expect((await errorOf(v6)).message).toContain("requests for host [fe80::ab] are refused");
    const nameless = await proxy.handle(new Request("http://localhost/health", { headers: { host: ":8787" } }));
    expect(nameless.status).toBe(403);
    expect((await errorOf(nameless)).message).toContain("requests for host  are refused");
  });
});

describe("routing edges", () => {
  it("/proxy alone is the relay (which asks for a target), not an unknown path", async () => {
    const response = await createProxy({ listening: local }).handle(request("/proxy"));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "invalid_target" });
  });

  it("counts /metrics itself under the route /metrics", async () => {
    const proxy = createProxy({ listening: local });
    await proxy.handle(request("/metrics"));
    expect(await (await proxy.handle(request("/metrics"))).text()).toContain('modelmesh_proxy_requests_total{route="/metrics",status="200"} 1');
  });

  it("an unknown /v1/ path on a mesh proxy is a 404 with code null, as OpenAI answers it", async () => {
    const proxy = createProxy({ listening: local, mesh: stubMesh({ state: "ready" }) });
    const response = await proxy.handle(request("/v1/unknown"));
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ message: "Invalid URL (GET /v1/unknown)", code: null });
  });

  it("/v1/models lists pools as created when the proxy started (the injected clock, in seconds)", async () => {
    // The mesh dates its list by its own start; the proxy's answer says when the proxy started.
    const listed = { data: [{ id: "chat", object: "model", created: 5, owned_by: "modelmesh" }] };
    const mesh = { ...stubMesh({ state: "ready" }), ready: async () => {}, mesh: { listModels: () => listed } } as unknown as MeshClient;
    const proxy = createProxy({ listening: local, mesh, now: () => 1_700_000_123_456 });
    const body = (await (await proxy.handle(request("/v1/models"))).json()) as { data: Array<{ id: string; created: number }> };
    expect(body.data).toEqual([{ id: "chat", object: "model", created: 1_700_000_123, owned_by: "modelmesh" }]);
  });

  it("a successful answer that did not read the body keeps the connection", async () => {
    const body = new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode("{")) });
    const response = await createProxy({ listening: local }).handle(request("/health", { method: "POST", body, duplex: "half" } as RequestInit));
    expect(response.status).toBe(200);
    expect(response.headers.get("connection")).toBeNull();
  });

  it("an allowed preflight carries only the preflight's CORS headers", async () => {
    const proxy = createProxy({ listening: local, cors: { enabled: true, allowedOrigins: ["https://app.example"] } });
    const preflight = await proxy.handle(request("/v1/models", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "GET" } }));
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-expose-headers")).toBeNull();
    expect(preflight.headers.get("vary")).toBe("Origin, Access-Control-Request-Headers");
  });
});

describe("the rate limit and failures of the checks", () => {
  /** A mesh whose storage keeps rate buckets (as Redis does) and answers every take with `take()`. */
  const meshWithStore = (take: () => Promise<number>) =>
    ({ ...stubMesh({ state: "ready" }), mesh: { config: { providers: [] }, storage: { takeRateToken: take } } }) as unknown as MeshClient;

  it("draws from the mesh's shared bucket: its wait is the 429's retry-after", async () => {
    const proxy = createProxy({ listening: local, mesh: meshWithStore(async () => 7), rateLimit: { requestsPerMinute: 60 } });
    const response = await proxy.handle(request("/v1/models"));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
  });

  it("a check that throws gives a typed 500, counted under the route error", async () => {
    const proxy = createProxy({
      listening: local,
      mesh: meshWithStore(() => {
        throw new Error("store broken");
      }),
      rateLimit: { requestsPerMinute: 60 },
    });
    const response = await proxy.handle(request("/v1/models"));
    expect(response.status).toBe(500);
    expect(await errorOf(response)).toEqual({ message: "the proxy failed while handling this request", type: "server_error", param: null, code: "internal_error" });
    expect(proxy.metrics.render()).toContain('modelmesh_proxy_requests_total{route="error",status="500"} 1');
  });
});

describe("the relay and the client going away", () => {
  it("aborts the upstream exchange with the reason of the signal the adapter gave", async () => {
    let sent: RelayRequest | undefined;
    const transport = Object.assign(
      (_target: URL, relayed: RelayRequest) =>
        new Promise<Response>((_resolve, reject) => {
          sent = relayed;
          relayed.signal.addEventListener("abort", () => reject(relayed.signal.reason));
        }),
      { checksAddresses: true },
    );
    const proxy = createProxy({ listening: local, relay: { transport } });
    const client = new AbortController();
    const pending = proxy.handle(request("/proxy/https://api.openai.com/v1/models"), { signal: client.signal });
    await expect.poll(() => sent).toBeDefined();
    const reason = new Error("client went away");
    client.abort(reason);
    await pending;
    expect(sent!.signal.reason).toBe(reason);
  });
});

describe("secrets scrubbed from messages, more", () => {
  it("scrubs a camelCase apiKey of its own, and keeps environment values whose names are not secret", async () => {
    const CAMEL_SECRET = "camel-only-secret-5b7e9d1f3a";
    process.env["MUTATION_HANDLER_PLAIN_SETTING"] = "plain-visible-value-7c2e";
    const mesh = { ...stubMesh({ state: "ready" }), mesh: { config: { providers: [{ config: { apiKey: CAMEL_SECRET } }] } } } as unknown as MeshClient;
    const proxy = createProxy({ listening: local, mesh });
    const camel = (await errorOf(await proxy.handle(request(`/nowhere/${CAMEL_SECRET}`)))).message;
    expect(camel).toMatch(/^Invalid URL \(GET \/nowhere\//);
    expect(camel).not.toContain(CAMEL_SECRET);
    expect((await errorOf(await proxy.handle(request("/nowhere/plain-visible-value-7c2e")))).message).toBe("Invalid URL (GET /nowhere/plain-visible-value-7c2e)");
  });
});
