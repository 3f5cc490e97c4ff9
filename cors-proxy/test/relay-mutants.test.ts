/**
 * The relay observed without sockets: a recording transport stands in for the upstream, so each rule of
 * cors-proxy/src/relay.ts (allow-list, address checks, header filtering both ways, body limits, timeouts, client
 * abort) is checked by what the transport received and what the caller got back.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BlockedAddressError, BUILTIN_RELAY_HOSTS, DEFAULT_RELAY_IDLE_TIMEOUT_MS, DEFAULT_RELAY_TIMEOUT_MS, Relay, type RelayOptions, type RelayRequest, type RelayTransport } from "../src/relay.js";
import { BufferedRequest, toResponse, type Reply } from "../src/responses.js";

interface Sent {
  target: URL;
  request: RelayRequest;
  bodyText: string | undefined;
}

/** A transport that records what it was asked to send and answers with `respond`. */
function recorder(respond: (target: URL, request: RelayRequest) => Promise<Response> | Response = () => new Response("ok"), flags: { passesEncodedBodies?: boolean; checksAddresses?: boolean } = { checksAddresses: true }) {
  const sent: Sent[] = [];
  const transport = (async (target: URL, request: RelayRequest) => {
    const entry: Sent = { target, request, bodyText: undefined };
    sent.push(entry);
    return respond(target, request);
  }) as RelayTransport;
  Object.assign(transport, flags);
  return { sent, transport };
}

async function bodyText(body: RelayRequest["body"]): Promise<string | undefined> {
  if (body === null) return undefined;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return new Response(body).text();
}

function relay(options: RelayOptions = {}, maxBodyBytes = 1_000, extraHosts?: () => readonly string[] | undefined) {
  return new Relay(options, maxBodyBytes, extraHosts);
}

async function json(reply: Reply): Promise<{ status: number; error: { message: string; type: string; param: unknown; code: string } }> {
  const response = toResponse(reply);
  return { status: response.status, ...((await response.json()) as { error: { message: string; type: string; param: unknown; code: string } }) };
}

const get = (headers: HeadersInit = {}, init: RequestInit = {}) => new Request("http://proxy.local/proxy/x", { method: "GET", headers, ...init });

afterEach(() => {
  vi.useRealTimers();
});

describe("relay allow-list", () => {
  it("lets every documented built-in host through, https on its default port only", () => {
    const documented = [
      "api.openai.com", "api.anthropic.com", "generativelanguage.googleapis.com", "api.groq.com", "api.mistral.ai", "api.deepseek.com",
      "api.together.xyz", "openrouter.ai", "api.x.ai", "api.cohere.com", "api.perplexity.ai", "api.elevenlabs.io", "westeurope.tts.speech.microsoft.com",
      "api.assemblyai.com", "api.tavily.com", "google.serper.dev", "r.jina.ai", "s.jina.ai", "api.jina.ai", "api.firecrawl.dev",
    ];
    const check = relay();
    for (const host of documented) expect(check.check(new URL(`https://${host}/v1/x`)), host).toEqual({ allowPrivateAddresses: false });
    expect(BUILTIN_RELAY_HOSTS).toHaveLength(documented.length);
    expect(check.check(new URL("https://api.openai.com:8443/v1/x"))).toMatchObject({ status: 403, code: "target_not_allowed" });
    expect(check.check(new URL("https://tts.speech.microsoft.com/v1/x"))).toMatchObject({ status: 403 });
  });

  it("refuses other hosts with a message that names them, and adds configured ones", () => {
    expect(relay().check(new URL("https://llm.corp.example/v1"))).toEqual({ status: 403, message: "llm.corp.example is not on this relay's allow-list", type: "invalid_request_error", param: null, code: "target_not_allowed" });
    expect(relay({ allowHosts: ["llm.corp.example"] }).check(new URL("https://llm.corp.example/v1"))).toEqual({ allowPrivateAddresses: false });
  });

  it("refuses credentials in the URL and anything but https", () => {
    expect(relay().check(new URL("https://user:pw@api.openai.com/v1"))).toEqual({ status: 400, message: "the target URL must not carry credentials", type: "invalid_request_error", param: null, code: "invalid_target" });
    expect(relay().check(new URL("https://:pw@api.openai.com/v1"))).toMatchObject({ status: 400, code: "invalid_target" });
    expect(relay().check(new URL("http://api.openai.com/v1"))).toEqual({ status: 403, message: "the relay forwards only https URLs (got http:)", type: "invalid_request_error", param: null, code: "target_not_allowed" });
    expect(relay().check(new URL("ftp://api.openai.com/v1"))).toMatchObject({ status: 403, code: "target_not_allowed" });
  });

  it("private hosts only when named in allowPrivate, then over http too", () => {
    const open = relay({ allowPrivate: ["127.0.0.1:11434"] });
    expect(open.check(new URL("http://127.0.0.1:11434/api"))).toEqual({ allowPrivateAddresses: true });
    expect(open.check(new URL("https://127.0.0.1:11434/api"))).toEqual({ allowPrivateAddresses: true });
    expect(open.check(new URL("http://127.0.0.1:11435/api"))).toMatchObject({ status: 403, message: "the relay forwards only https URLs (got http:)" });
    expect(open.check(new URL("https://10.0.0.1/api"))).toEqual({ status: 403, message: "the relay does not forward to loopback, private or link-local hosts (10.0.0.1)", type: "invalid_request_error", param: null, code: "target_not_allowed" });
    // Allow-listing a private name does not make it reachable.
    expect(relay({ allowHosts: ["printer.local"] }).check(new URL("https://printer.local/"))).toMatchObject({ status: 403, code: "target_not_allowed" });
  });

  it("extra hosts are read on every request; a new list is parsed again, a bad entry adds nothing", () => {
    let hosts: string[] | undefined;
    let asked = 0;
    const check = relay({}, 1_000, () => ((asked += 1), hosts));
    expect(check.check(new URL("https://llm.one.example/"))).toMatchObject({ status: 403 });
    hosts = ["llm.one.example", "bad host name with spaces:99999"];
    expect(check.check(new URL("https://llm.one.example/"))).toEqual({ allowPrivateAddresses: false });
    // The same array object is not parsed again (a reconfigure gives a new array).
    hosts.push("llm.two.example");
    expect(check.check(new URL("https://llm.two.example/"))).toMatchObject({ status: 403 });
    hosts = ["llm.two.example"];
    expect(check.check(new URL("https://llm.two.example/"))).toEqual({ allowPrivateAddresses: false });
    expect(check.check(new URL("https://llm.one.example/"))).toMatchObject({ status: 403 });
    expect(asked).toBe(5);
    // A built-in host is decided without asking.
    check.check(new URL("https://api.openai.com/"));
    expect(asked).toBe(5);
  });
});

describe("relay targets and methods", () => {
  it("relays the methods of the providers' REST APIs only", async () => {
    const { sent, transport } = recorder();
    const reply = await json(await relay({ transport }).handle(new Request("http://proxy.local/", { method: "PROPFIND" }), "https://api.openai.com/v1/files"));
    expect(reply).toEqual({ status: 405, error: { message: "the relay forwards GET, HEAD, POST, PUT, PATCH, DELETE (got PROPFIND)", type: "invalid_request_error", param: null, code: "method_not_allowed" } });
    expect(sent).toHaveLength(0);
    for (const method of ["DELETE", "PUT", "PATCH", "HEAD"]) {
      await relay({ transport }).handle(new Request("http://proxy.local/", { method, ...(method === "PUT" || method === "PATCH" ? { body: "x" } : {}) }), "https://api.openai.com/v1/files/file-1");
    }
    expect(sent.map((entry) => entry.request.method)).toEqual(["DELETE", "PUT", "PATCH", "HEAD"]);
  });

  it("repairs a collapsed https:/ and decodes a percent-encoded target; refuses what is not a URL", async () => {
    const { sent, transport } = recorder();
    const proxy = relay({ transport });
    await proxy.handle(get(), "https:/api.openai.com/v1/models?x=1");
    await proxy.handle(get(), "https%3A%2F%2Fapi.openai.com%2Fv1%2Fmodels");
    await proxy.handle(get(), "HTTPS:/api.openai.com/v1/a");
    expect(sent.map((entry) => entry.target.href)).toEqual(["https://api.openai.com/v1/models?x=1", "https://api.openai.com/v1/models", "https://api.openai.com/v1/a"]);
    for (const bad of ["not a url", "https%3A%zz", "%3Ahttps://api.openai.com/"]) {
      const reply = await json(await proxy.handle(get(), bad));
      expect(reply.status, bad).toBe(400);
      expect(reply.error.code).toBe("invalid_target");
      expect(reply.error.message).toBe("after /proxy/ give a full https URL, e.g. /proxy/https://api.openai.com/v1/models");
    }
    expect(sent).toHaveLength(3);
  });
});

describe("relay address checks", () => {
  it("a transport that checks addresses is trusted: nothing is resolved", async () => {
    const resolve = vi.fn(async () => ["10.0.0.1"]);
    const { sent, transport } = recorder();
    await relay({ transport, resolve }).handle(get(), "https://api.openai.com/v1");
    expect(resolve).not.toHaveBeenCalled();
    expect(sent[0]!.request.allowPrivateAddresses).toBe(false);
  });

  it("otherwise every resolved address must be public", async () => {
    const { sent, transport } = recorder(undefined, {});
    const answers: Record<string, string[] | Error> = { "api.openai.com": ["104.18.6.192", "10.1.2.3"], "api.groq.com": ["104.18.2.1", "2606:4700::6810:1"], "api.x.ai": [], "api.mistral.ai": new Error("ENOTFOUND") };
    const resolve = async (hostname: string) => {
      const answer = answers[hostname]!;
      if (answer instanceof Error) throw answer;
      return answer;
    };
    const proxy = relay({ transport, resolve });
    expect(await json(await proxy.handle(get(), "https://api.openai.com/v1"))).toEqual({ status: 403, error: { message: "api.openai.com resolves to 10.1.2.3, a loopback, private or link-local address", type: "invalid_request_error", param: null, code: "target_not_allowed" } });
    expect(toResponse(await proxy.handle(get(), "https://api.groq.com/v1")).status).toBe(200);
    expect(await json(await proxy.handle(get(), "https://api.x.ai/v1"))).toEqual({ status: 502, error: { message: "the relay could not resolve api.x.ai", type: "server_error", param: null, code: "upstream_unreachable" } });
    expect(await json(await proxy.handle(get(), "https://api.mistral.ai/v1"))).toEqual({ status: 502, error: { message: "the relay could not resolve api.mistral.ai", type: "server_error", param: null, code: "upstream_unreachable" } });
    expect(sent.map((entry) => entry.target.hostname)).toEqual(["api.groq.com"]);
  });

  it("without a resolver, names are refused unless unchecked names were accepted; IP literals need no resolver", async () => {
    const { sent, transport } = recorder(undefined, {});
    const reply = await json(await relay({ transport }).handle(get(), "https://api.openai.com/v1"));
    expect(reply.status).toBe(503);
    expect(reply.error.code).toBe("relay_address_check_unavailable");
    expect(reply.error.type).toBe("server_error");
    expect(reply.error.message).toMatch(/cannot check where names resolve/);
    expect(sent).toHaveLength(0);
    await relay({ transport, allowUncheckedAddresses: true }).handle(get(), "https://api.openai.com/v1");
    await relay({ transport, allowHosts: ["93.184.216.34"] }).handle(get(), "https://93.184.216.34/v1");
    expect(sent.map((entry) => entry.target.hostname)).toEqual(["api.openai.com", "93.184.216.34"]);
  });

  it("a private destination named in allowPrivate is neither resolved nor checked, and the transport is told so", async () => {
    const resolve = vi.fn(async () => ["10.0.0.1"]);
    const { sent, transport } = recorder(undefined, {});
    await relay({ transport, resolve, allowPrivate: ["ollama.lan:11434"] }).handle(get(), "http://ollama.lan:11434/api/chat");
    expect(resolve).not.toHaveBeenCalled();
    expect(sent[0]!.request.allowPrivateAddresses).toBe(true);
  });

  it("a transport's BlockedAddressError, thrown or as a cause, is a 403; any other failure a 502", async () => {
    const blocked = new BlockedAddressError("api.openai.com", "127.0.0.1");
    const failures: unknown[] = [blocked, new TypeError("fetch failed", { cause: blocked }), new TypeError("fetch failed", { cause: new Error("ECONNREFUSED") }), "weird"];
    for (const failure of failures.slice(0, 2)) {
      const { transport } = recorder(() => Promise.reject(failure));
      expect(await json(await relay({ transport }).handle(get(), "https://api.openai.com/v1"))).toEqual({ status: 403, error: { message: "api.openai.com resolves to 127.0.0.1, a loopback, private or link-local address", type: "invalid_request_error", param: null, code: "target_not_allowed" } });
    }
    for (const failure of failures.slice(2)) {
      const { transport } = recorder(() => Promise.reject(failure));
      expect(await json(await relay({ transport }).handle(get(), "https://api.openai.com/v1"))).toEqual({ status: 502, error: { message: "the relay could not reach api.openai.com", type: "server_error", param: null, code: "upstream_unreachable" } });
    }
    expect(blocked.name).toBe("BlockedAddressError");
    expect(blocked.hostname).toBe("api.openai.com");
    expect(blocked.address).toBe("127.0.0.1");
  });
});

describe("relay headers", () => {
  it("drops hop-by-hop, identity, forwarding and proxy headers on the way up, and what Connection lists", async () => {
    const dropped = [
      "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
      "host", "cookie", "cookie2", "origin", "referer", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip",
      "x-modelmesh-proxy-token", "proxy-anything", "x-listed-one", "x-listed-two",
    ];
    const { sent, transport } = recorder(undefined, { checksAddresses: true, passesEncodedBodies: true });
    const headers: Array<[string, string]> = dropped.map((name) => [name, `value-of-${name}`]);
    headers[0] = ["connection", "close, X-Listed-One ,x-listed-two"];
    await relay({ transport }).handle(get([...headers, ["authorization", "Bearer sk-browser"], ["accept-encoding", "gzip"], ["x-kept", "yes"]]), "https://api.openai.com/v1");
    expect(sent[0]!.request.headers).toEqual([["accept-encoding", "gzip"], ["authorization", "Bearer sk-browser"], ["x-kept", "yes"]]);
  });

  it("a decoding transport does not pass the browser's accept-encoding", async () => {
    const { sent, transport } = recorder(undefined, { checksAddresses: true });
    await relay({ transport }).handle(get({ "accept-encoding": "br", "x-kept": "1" }), "https://api.openai.com/v1");
    expect(sent[0]!.request.headers).toEqual([["x-kept", "1"]]);
  });

  it("drops hop-by-hop, cookies, cross-origin policies and the upstream's CORS on the way down; renames x-request-id; adds nosniff and a sandbox", async () => {
    const upstreamHeaders: Array<[string, string]> = [
      ["connection", "x-listed"], ["x-listed", "1"], ["keep-alive", "timeout=5"], ["proxy-authenticate", "Basic"], ["proxy-whatever", "1"], ["te", "x"], ["trailer", "x"], ["upgrade", "h2c"],
      ["set-cookie", "a=1"], ["set-cookie2", "b=2"], ["alt-svc", 'h3=":443"'], ["strict-transport-security", "max-age=1"], ["clear-site-data", '"*"'],
      ["report-to", "{}"], ["nel", "{}"], ["access-control-allow-origin", "*"], ["access-control-expose-headers", "x"],
      ["x-request-id", "req_upstream"], ["x-ratelimit-remaining-requests", "9"], ["content-type", "application/json"],
      ["x-content-type-options", "sniff-please"], ["content-security-policy", "default-src *"],
    ];
    const { transport } = recorder(() => new Response("{}", { headers: upstreamHeaders }));
    const response = toResponse(await relay({ transport }).handle(get(), "https://api.openai.com/v1"));
    expect([...response.headers].sort()).toEqual(
      [
        ["content-security-policy", "default-src 'none'; sandbox"],
        ["content-type", "application/json"],
        ["x-content-type-options", "nosniff"],
        ["x-ratelimit-remaining-requests", "9"],
        ["x-upstream-request-id", "req_upstream"],
      ].sort(),
    );
  });

  it("content-encoding and content-length pass only with a transport that passes encoded bodies", async () => {
    const answer = () => new Response("abc", { headers: { "content-encoding": "identity", "content-length": "3" } });
    const decoding = toResponse(await relay({ transport: recorder(answer).transport }).handle(get(), "https://api.openai.com/v1"));
    expect(decoding.headers.get("content-encoding")).toBeNull();
    expect(decoding.headers.get("content-length")).toBeNull();
    const passing = toResponse(await relay({ transport: recorder(answer, { checksAddresses: true, passesEncodedBodies: true }).transport }).handle(get(), "https://api.openai.com/v1"));
    expect(passing.headers.get("content-encoding")).toBe("identity");
    expect(passing.headers.get("content-length")).toBe("3");
  });

  it("keeps the upstream's status, status text and body; a bodyless status drops a body it should not have", async () => {
    const { transport } = recorder(() => new Response("nope", { status: 429, statusText: "Too Many Requests" }));
    const response = toResponse(await relay({ transport }).handle(get(), "https://api.openai.com/v1"));
    expect([response.status, response.statusText, await response.text()]).toEqual([429, "Too Many Requests", "nope"]);
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({ cancel: () => void (cancelled = true) });
    // A 204 that carries a body cannot be a Response: build the upstream as a plain object with those parts.
    const odd = { status: 204, statusText: "No Content", headers: new Headers({ "x-a": "1" }), body } as unknown as Response;
    const empty = toResponse(await relay({ transport: recorder(() => odd).transport }).handle(get(), "https://api.openai.com/v1"));
    expect(empty.status).toBe(204);
    expect(empty.headers.get("x-a")).toBe("1");
    expect(empty.body).toBeNull();
    expect(cancelled).toBe(true);
  });
});

describe("relay bodies", () => {
  it("passes a body the adapter already read as bytes, a streamed one as a stream, and none as null", async () => {
    const { sent, transport } = recorder((target, request) => bodyText(request.body).then((text) => ((sent.at(-1)!.bodyText = text), new Response("ok"))));
    const proxy = relay({ transport });
    const buffered = new BufferedRequest("POST", "http://proxy.local/proxy/x", { get: () => null, has: () => false }, new TextEncoder().encode("known"), () => [["content-length", "5"]]);
    await proxy.handle(buffered, "https://api.openai.com/v1");
    expect(sent[0]!.request.body).toBeInstanceOf(Uint8Array);
    await proxy.handle(new Request("http://proxy.local/", { method: "POST", body: new Blob(["streamed"]).stream(), duplex: "half" } as RequestInit), "https://api.openai.com/v1");
    expect(sent[1]!.request.body).toBeInstanceOf(ReadableStream);
    await proxy.handle(get(), "https://api.openai.com/v1");
    expect(sent[2]!.request.body).toBeNull();
    expect(sent.map((entry) => entry.bodyText)).toEqual(["known", "streamed", undefined]);
    expect(sent[0]!.request.method).toBe("POST");
    expect(sent[2]!.request.method).toBe("GET");
  });

  it("a declared length over the limit is refused before anything is sent; exactly the limit passes", async () => {
    const { sent, transport } = recorder();
    const proxy = relay({ transport }, 10);
    const over = await json(await proxy.handle(new Request("http://proxy.local/", { method: "POST", body: "x".repeat(11), headers: { "content-length": "11" } }), "https://api.openai.com/v1"));
    expect(over).toEqual({ status: 413, error: { message: "request body is larger than this proxy's limit of 10 bytes", type: "invalid_request_error", param: null, code: "request_too_large" } });
    expect(sent).toHaveLength(0);
    expect(toResponse(await proxy.handle(new Request("http://proxy.local/", { method: "POST", body: "x".repeat(10), headers: { "content-length": "10" } }), "https://api.openai.com/v1")).status).toBe(200);
  });

  it("a streamed body is counted as it passes: the transport fails and the caller gets 413", async () => {
    const { transport } = recorder((target, request) => bodyText(request.body).then(() => new Response("read it all")));
    const proxy = relay({ transport }, 10);
    const stream = (pieces: string[]) => new ReadableStream<Uint8Array>({ start(controller) { for (const piece of pieces) controller.enqueue(new TextEncoder().encode(piece)); controller.close(); } });
    const over = await json(await proxy.handle(new Request("http://proxy.local/", { method: "POST", body: stream(["12345", "678901"]), duplex: "half" } as RequestInit), "https://api.openai.com/v1"));
    expect(over.status).toBe(413);
    expect(over.error.code).toBe("request_too_large");
    const exact = toResponse(await proxy.handle(new Request("http://proxy.local/", { method: "POST", body: stream(["12345", "67890"]), duplex: "half" } as RequestInit), "https://api.openai.com/v1"));
    expect(await exact.text()).toBe("read it all");
  });
});

describe("relay timeouts and aborts", () => {
  /** A transport that never answers until its signal aborts. */
  const hanging = () =>
    recorder((target, request) => new Promise<Response>((_, reject) => (request.signal.aborted ? reject(request.signal.reason) : request.signal.addEventListener("abort", () => reject(request.signal.reason)))));

  it("no response headers within timeout_ms: 504 naming the host and the wait", async () => {
    const { sent, transport } = hanging();
    const reply = await json(await relay({ transport, timeoutMs: 30 }).handle(get(), "https://api.openai.com/v1"));
    expect(reply).toEqual({ status: 504, error: { message: "the relay timed out: api.openai.com sent no response headers within 0.03 s", type: "server_error", param: null, code: "timeout" } });
    expect(sent[0]!.request.signal.aborted).toBe(true);
  });

  it("the default header wait is five minutes and the default silence two", async () => {
    expect(DEFAULT_RELAY_TIMEOUT_MS).toBe(300_000);
    expect(DEFAULT_RELAY_IDLE_TIMEOUT_MS).toBe(120_000);
    vi.useFakeTimers();
    const { sent, transport } = hanging();
    const pending = relay({ transport }).handle(get(), "https://api.openai.com/v1");
    await vi.advanceTimersByTimeAsync(299_000);
    expect(sent[0]!.request.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await json(await pending)).error.message).toBe("the relay timed out: api.openai.com sent no response headers within 300 s");
  });

  it("a timer that did not fire is cleared: a quick answer leaves no timer behind", async () => {
    vi.useFakeTimers();
    const { transport } = recorder(() => new Response(null, { status: 200 }));
    await relay({ transport }).handle(get(), "https://api.openai.com/v1");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the client leaving before or while waiting for headers: 499, and the upstream request is aborted", async () => {
    const { sent, transport } = hanging();
    const proxy = relay({ transport });
    const early = new AbortController();
    early.abort(new Error("gone before"));
    const before = toResponse(await proxy.handle(get(), "https://api.openai.com/v1", early.signal));
    expect(before.status).toBe(499);
    expect(sent[0]!.request.signal.reason).toEqual(new Error("gone before"));
    const late = new AbortController();
    const pending = proxy.handle(get(), "https://api.openai.com/v1", late.signal);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sent[1]!.request.signal.aborted).toBe(false);
    late.abort(new Error("gone during"));
    expect(toResponse(await pending).status).toBe(499);
    expect(sent[1]!.request.signal.reason).toEqual(new Error("gone during"));
  });

  it("the client's request signal is the default", async () => {
    const { sent, transport } = hanging();
    const controller = new AbortController();
    const pending = relay({ transport }).handle(get({}, { signal: controller.signal }), "https://api.openai.com/v1");
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(toResponse(await pending).status).toBe(499);
    expect(sent[0]!.request.signal.aborted).toBe(true);
  });

  /** An upstream body that sends `first` and then stays silent until cancelled. */
  function stallingBody(first: string) {
    const state = { cancelled: undefined as unknown };
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(first));
      },
      cancel(reason) {
        state.cancelled = reason ?? "cancelled";
      },
    });
    return { body, state };
  }

  it("a body silent for idle_timeout_ms is cut: the reader errors, the upstream is aborted and cancelled", async () => {
    const { body, state } = stallingBody("data: first\n\n");
    const { sent, transport } = recorder(() => new Response(body));
    const response = toResponse(await relay({ transport, idleTimeoutMs: 40 }).handle(get(), "https://api.openai.com/v1"));
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: first\n\n");
    const failure = await reader.read().then(() => undefined, (error: unknown) => error);
    expect(String(failure)).toContain("api.openai.com sent nothing for 0.04 s");
    expect((failure as Error).name).toBe("UpstreamTimeout");
    expect(sent[0]!.request.signal.aborted).toBe(true);
    expect(sent[0]!.request.signal.reason).toBe(failure);
    expect(state.cancelled).toBe(failure);
  });

  it("a body that keeps talking within idle_timeout_ms is not cut, and ends cleanly", async () => {
    const pieces = ["a", "b", "c"];
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 15));
        const piece = pieces.shift();
        if (piece === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(piece));
      },
    });
    const { sent, transport } = recorder(() => new Response(body));
    const response = toResponse(await relay({ transport, idleTimeoutMs: 200 }).handle(get(), "https://api.openai.com/v1"));
    expect(await response.text()).toBe("abc");
    expect(sent[0]!.request.signal.aborted).toBe(false);
  });

  it("the client leaving mid-body aborts the upstream; after the body ended, a late abort reaches nothing", async () => {
    const { body, state } = stallingBody("x");
    const { sent, transport } = recorder(() => new Response(body));
    const client = new AbortController();
    const response = toResponse(await relay({ transport }).handle(get(), "https://api.openai.com/v1", client.signal));
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel(new Error("reader left"));
    expect(sent[0]!.request.signal.reason).toEqual(new Error("reader left"));
    expect(state.cancelled).toEqual(new Error("reader left"));

    const finished = new AbortController();
    const done = recorder(() => new Response("all"));
    const whole = toResponse(await relay({ transport: done.transport }).handle(get(), "https://api.openai.com/v1", finished.signal));
    expect(await whole.text()).toBe("all");
    finished.abort(new Error("too late"));
    expect(done.sent[0]!.request.signal.aborted).toBe(false);

    const bodyless = new AbortController();
    const none = recorder(() => new Response(null, { status: 200 }));
    await relay({ transport: none.transport }).handle(get(), "https://api.openai.com/v1", bodyless.signal);
    bodyless.abort(new Error("too late"));
    expect(none.sent[0]!.request.signal.aborted).toBe(false);
  });
});

describe("relay settings", () => {
  it("refuses a timeout that is not a positive number of milliseconds, naming the setting", () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "5" as unknown as number]) {
      expect(() => relay({ timeoutMs: bad }), String(bad)).toThrow("proxy.relay.timeout_ms: must be a positive number of milliseconds");
      expect(() => relay({ idleTimeoutMs: bad }), String(bad)).toThrow("proxy.relay.idle_timeout_ms: must be a positive number of milliseconds");
    }
    expect(() => relay({ timeoutMs: 1, idleTimeoutMs: 0.5 })).not.toThrow();
  });

  it("names the setting of a bad host pattern", () => {
    expect(() => relay({ allowHosts: ["https://x.example/path"] })).toThrow(/proxy\.relay\.allow_hosts/);
    expect(() => relay({ allowPrivate: ["https://x.example/path"] })).toThrow(/proxy\.relay\.allow_private/);
  });
});

describe("relay edges found by the mutation run", () => {
  it("repairs only a collapsed scheme at the start, and decodes only a target that is encoded as a whole", async () => {
    const { sent, transport } = recorder();
    const proxy = relay({ transport, allowPrivate: ["127.0.0.1:8080"] });
    await proxy.handle(get(), "https://api.openai.com/v1/files/https:/kept");
    await proxy.handle(get(), "https://api.openai.com/v1/x?u=http%3A%2F%2Fkept");
    await proxy.handle(get(), "http%3A%2F%2F127.0.0.1%3A8080%2Fv1");
    expect(sent.map((entry) => entry.target.href)).toEqual(["https://api.openai.com/v1/files/https:/kept", "https://api.openai.com/v1/x?u=http%3A%2F%2Fkept", "http://127.0.0.1:8080/v1"]);
  });

  it("an allowed private host is reachable over http, never over another scheme", () => {
    expect(relay({ allowPrivate: ["127.0.0.1:8080"] }).check(new URL("ftp://127.0.0.1:8080/x"))).toMatchObject({ status: 403, message: "the relay forwards only https URLs (got ftp:)" });
  });

  it("a transport failure with a streamed body under the limit is a 502, not a 413", async () => {
    const { transport } = recorder(() => Promise.reject(new TypeError("fetch failed")));
    const reply = await json(await relay({ transport }, 100).handle(new Request("http://proxy.local/", { method: "POST", body: new Blob(["small"]).stream(), duplex: "half" } as RequestInit), "https://api.openai.com/v1"));
    expect(reply.status).toBe(502);
  });

  it("a transport that throws nothing useful (undefined) is a 502", async () => {
    const { transport } = recorder(() => Promise.reject(undefined));
    expect((await json(await relay({ transport }).handle(get(), "https://api.openai.com/v1"))).status).toBe(502);
  });

  /** A client signal that counts its abort listeners. */
  function countedSignal() {
    const controller = new AbortController();
    const counter = { listeners: 0 };
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => ((counter.listeners += args[0] === "abort" ? 1 : 0), add(...args))) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => ((counter.listeners -= args[0] === "abort" ? 1 : 0), remove(...args))) as typeof remove;
    return { controller, counter };
  }

  it("lets go of the client's signal once the exchange is over, whatever its outcome", async () => {
    for (const respond of [() => Promise.reject(new TypeError("fetch failed")), () => new Response(null, { status: 204 }), () => new Response("whole")]) {
      const { controller, counter } = countedSignal();
      const response = toResponse(await relay({ transport: recorder(respond).transport }).handle(get(), "https://api.openai.com/v1", controller.signal));
      await response.text();
      expect(counter.listeners).toBe(0);
    }
  });

  it("the client leaving while the body streams aborts the upstream", async () => {
    const body = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode("first")) });
    const { sent, transport } = recorder(() => new Response(body));
    const { controller } = countedSignal();
    const response = toResponse(await relay({ transport }).handle(get(), "https://api.openai.com/v1", controller.signal));
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort(new Error("tab closed"));
    expect(sent[0]!.request.signal.reason).toEqual(new Error("tab closed"));
  });

  it("the silence timer runs only while the client waits: an unread body is not cut", async () => {
    const body = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const { sent, transport } = recorder(() => new Response(body));
    const response = toResponse(await relay({ transport, idleTimeoutMs: 20 }).handle(get(), "https://api.openai.com/v1"));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sent[0]!.request.signal.aborted).toBe(false);
    void response;
  });

  it("each wait for the upstream clears its timer when data comes", async () => {
    vi.useFakeTimers();
    const { transport } = recorder(() => new Response("abc"));
    const response = toResponse(await relay({ transport, idleTimeoutMs: 60_000 }).handle(get(), "https://api.openai.com/v1"));
    expect(await response.text()).toBe("abc");
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("the default transport", () => {
  it("uses fetch, streams the request body and does not follow redirects", async () => {
    const { createServer } = await import("node:http");
    const seen: Array<{ method: string; url: string; body: string }> = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        seen.push({ method: request.method ?? "", url: request.url ?? "", body });
        if (request.url === "/redirect") response.writeHead(302, { location: "http://169.254.169.254/" }).end();
        else response.writeHead(200, { "content-type": "text/plain" }).end(`got ${body}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const proxy = relay({ allowPrivate: [`127.0.0.1:${port}`] });
      const posted = toResponse(await proxy.handle(new Request("http://proxy.local/", { method: "POST", body: new Blob(["streamed body"]).stream(), duplex: "half" } as RequestInit), `http://127.0.0.1:${port}/echo`));
      expect(await posted.text()).toBe("got streamed body");
      const redirected = toResponse(await proxy.handle(get(), `http://127.0.0.1:${port}/redirect`));
      expect(redirected.status).toBe(302);
      expect(seen.map((entry) => `${entry.method} ${entry.url}`)).toEqual(["POST /echo", "GET /redirect"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
