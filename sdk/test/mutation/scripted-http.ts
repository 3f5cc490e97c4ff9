/**
 * A 127.0.0.1 server that answers from a script, for connector tests that need an exact body the services' fakes do
 * not produce (a malformed upload answer, an unknown transcript status, a search answer without a field). It records
 * every request as received (method, URL, headers, raw and parsed body) so a test asserts exactly what went out.
 */
import { startLocalServer } from "../fakes/http.js";
import { flattenHeaders } from "../fakes/fake-kit.js";

/** One scripted answer; `body` is sent as JSON unless it is a string. */
export interface ScriptedAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request as the server received it. */
export interface ScriptedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  raw: Buffer;
  /** The body parsed as JSON when it is JSON, else the text. */
  body: unknown;
  /** `performance.now()` when the request had been read. */
  at: number;
}

export interface ScriptedServer {
  url: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

/**
 * Answers the n-th request with `answers[n]` (or with `answer(request, n)`); past the end of the list, the last answer
 * repeats.
 * @example
 * const server = await startScriptedServer([{ body: { upload_url: "u" } }]);
 */
export async function startScriptedServer(answers: ScriptedAnswer[] | ((request: ScriptedRequest, index: number) => ScriptedAnswer)): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const local = await startLocalServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const raw = Buffer.concat(parts);
    let body: unknown = raw.toString("utf8");
    try {
      body = JSON.parse(body as string);
    } catch {
      // not JSON: kept as text
    }
    const received: ScriptedRequest = { method: request.method ?? "GET", url: request.url ?? "/", headers: flattenHeaders(request.headers), raw, body, at: performance.now() };
    requests.push(received);
    const index = requests.length - 1;
    const answer = typeof answers === "function" ? answers(received, index) : (answers[Math.min(index, answers.length - 1)] ?? {});
    const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    response.writeHead(answer.status ?? 200, { ...(typeof answer.body === "string" || answer.body === undefined ? {} : { "content-type": "application/json" }), ...answer.headers });
    response.end(text);
  });
  return { url: local.url, requests, close: () => local.close() };
}
