import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, MeshClient, RequestOptions } from "modelmesh/static";
import { PAGE_METHODS, type ActivityEntry, type PageMethod, type PortReply, type PortRequest, type SiteGrant } from "../shared/protocol.ts";
import { decodeBlob, encodeBlob, isEncodedBlob } from "../shared/blob.ts";
import type { MeshRuntime } from "./mesh-runtime.ts";
import type { SiteRegistry } from "./sites.ts";
import type { ActivityLog } from "./activity-log.ts";
import type { PortLike } from "./port.ts";
import { badMessage, poolNotAllowed, serialize } from "./errors.ts";
import { isWebOrigin, siteScopeOf } from "./site-origin.ts";

/**
 * What serving a request needs.
 * @example
 * const service: PageService = { runtime, sites, activity, logContent: async () => false, extensionId: chrome.runtime.id };
 */
export interface PageService {
  runtime: MeshRuntime;
  sites: SiteRegistry;
  activity: ActivityLog;
  /** The person's "keep prompts and answers in the activity log" setting. */
  logContent: () => Promise<boolean>;
  extensionId: string;
  now?: () => number;
}

/** Who is asking: a web page (its origin, from Chrome), or the extension's own popup (no consent, no site budget). */
type Caller = { kind: "site"; origin: string } | { kind: "extension" };

/**
 * Serves one page request on its own port (`PORT_PAGE_REQUEST`): the first message is the request; chunks, the result
 * or an error go back; the page's cancel (or the tab going away) disconnects the port, which aborts the upstream call.
 * The origin is Chrome's `port.sender.origin`, never anything the message says.
 * @example
 * chrome.runtime.onConnect.addListener((port) => { if (port.name === PORT_PAGE_REQUEST) servePagePort(port, service) });
 */
export function servePagePort(port: PortLike, service: PageService): void {
  const origin = port.sender?.origin;
  if (port.sender?.id !== service.extensionId || !isWebOrigin(origin)) {
    port.disconnect();
    return;
  }
  serve(port, service, { kind: "site", origin });
}

/** The popup's quick chat (`PORT_ADMIN_CHAT`): the same path, for the extension's own pages only, counted as "extension". */
export function serveAdminChatPort(port: PortLike, service: PageService, extensionOrigin: string): void {
  if (port.sender?.id !== service.extensionId || !port.sender.url?.startsWith(extensionOrigin)) {
    port.disconnect();
    return;
  }
  serve(port, service, { kind: "extension" });
}

function serve(port: PortLike, service: PageService, caller: Caller): void {
  const controller = new AbortController();
  let open = true;
  port.onDisconnect.addListener(() => {
    open = false;
    controller.abort(new DOMException("the page cancelled the request or went away", "AbortError"));
  });
  const post = (reply: PortReply) => {
    if (!open) return;
    try {
      port.postMessage(reply);
    } catch {
      open = false;
    }
  };
  let started = false;
  port.onMessage.addListener((message) => {
    // One request per port: anything after the first message is ignored.
    if (started) return;
    started = true;
    void handle(message, caller, service, controller.signal, post);
  });
}

async function handle(message: unknown, caller: Caller, service: PageService, signal: AbortSignal, post: (reply: PortReply) => void): Promise<void> {
  const now = service.now ?? Date.now;
  const request = parseRequest(message);
  const origin = caller.kind === "site" ? caller.origin : "extension";
  if (typeof request === "string") {
    post({ kind: "error", error: serialize(badMessage(request)) });
    return;
  }
  const entry: ActivityEntry = { at: now(), origin, method: request.method, cost: 0, outcome: "ok" };
  const logContent = await service.logContent().catch(() => false);
  if (logContent) {
    const prompt = promptOf(request);
    if (prompt !== undefined) entry.prompt = prompt;
  }
  try {
    let site: SiteGrant | undefined;
    if (caller.kind === "site") {
      try {
        site = (await service.sites.admit(caller.origin, request.method, request.budget)).site;
      } catch (error) {
        entry.outcome = "denied";
        throw error;
      }
      if (signal.aborted) return;
      checkPool(caller.origin, site, request);
    }
    const client = await service.runtime.client();
    const options: RequestOptions = { signal, scope: caller.kind === "site" ? siteScopeOf(caller.origin) : "extension" };
    const tracked = service.runtime.tracker.tag(request.params as object);
    let final: PortReply = { kind: "end" };
    try {
      const done = await dispatch(client, request.method, tracked.body as Record<string, unknown>, options, site, post, signal);
      final = done.final;
      if (logContent && done.answer !== undefined) entry.answer = done.answer;
    } finally {
      const outcome = tracked.outcome();
      if (outcome) Object.assign(entry, { cost: outcome.cost, ...(outcome.provider ? { provider: outcome.provider } : {}), ...(outcome.model ? { model: outcome.model } : {}) });
    }
    if (signal.aborted) return;
    // Spend is on disk before the page hears "done": a worker stopped right after loses nothing.
    await service.runtime.persist();
    await service.activity.append(entry).catch(() => undefined);
    post(final);
  } catch (error) {
    const serialized = serialize(error);
    if (entry.outcome === "ok") entry.outcome = serialized.name === "BudgetExceededError" ? "over-budget" : "error";
    entry.error = serialized.message;
    await service.runtime.persist().catch(() => undefined);
    await service.activity.append(entry).catch(() => undefined);
    post({ kind: "error", error: serialized });
  }
}

/**
 * Runs the method. A stream posts its chunks as they come and ends with `end`; the rest end with one `result`. The final
 * reply is returned, not posted, so the caller can persist the spend first; `answer` is the text for content logging.
 */
async function dispatch(client: MeshClient, method: PageMethod, params: Record<string, unknown>, options: RequestOptions, site: SiteGrant | undefined, post: (reply: PortReply) => void, signal: AbortSignal): Promise<{ final: PortReply; answer?: string }> {
  const result = (value: unknown, answer?: string) => ({ final: { kind: "result" as const, result: value }, ...(answer !== undefined ? { answer } : {}) });
  switch (method) {
    case "chat.completions.create": {
      if (params.stream === true) {
        const stream = await client.chat.completions.create(params as unknown as ChatCompletionCreateParamsStreaming, options);
        let answer = "";
        for await (const chunk of stream) {
          if (signal.aborted) break;
          answer += chunk.choices[0]?.delta?.content ?? "";
          post({ kind: "chunk", chunk });
        }
        // A stopped stream ends its loop quietly; here it is still recorded as stopped, not as a complete answer.
        if (signal.aborted) throw signal.reason;
        return { final: { kind: "end" }, answer };
      }
      const completion = await client.chat.completions.create(params as unknown as ChatCompletionCreateParamsNonStreaming, options);
      return result(completion, completion.choices[0]?.message?.content ?? undefined);
    }
    case "embeddings.create":
      return result(await client.embeddings.create(params as never, options));
    case "images.generate":
      return result(await client.images.generate(params as never, options));
    case "audio.speech.create": {
      const response = await client.audio.speech.create(params as never, options);
      return result(await encodeBlob(await response.blob()));
    }
    case "audio.transcriptions.create": {
      if (!isEncodedBlob(params.file)) throw badMessage("audio.transcriptions.create needs `file` (a Blob)");
      const transcription = await client.audio.transcriptions.create({ ...params, file: decodeBlob(params.file) } as never, options);
      return result(transcription, transcription.text);
    }
    case "models.list":
      return result(modelList(client, site));
  }
}

/** The pools (and their models) the site may use, in the shape of OpenAI's `GET /v1/models`. */
function modelList(client: MeshClient, site: SiteGrant | undefined) {
  const pools = Object.entries(client.describe().pools).filter(([name]) => !site || site.pools.length === 0 || site.pools.includes(name));
  const data: Array<{ id: string; object: "model"; owned_by: string; created: number }> = [];
  // Each id once: a request by `provider/model` makes a pool of that name, whose one model is already listed.
  const seen = new Set<string>();
  const add = (id: string, owner: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    data.push({ id, object: "model", owned_by: owner, created: 0 });
  };
  for (const [name, pool] of pools) {
    for (const model of pool.models) if (name === `${model.provider}/${model.model}`) add(name, model.provider);
    add(name, "modelmesh");
    for (const model of pool.models) add(`${model.provider}/${model.model}`, model.provider);
  }
  return { object: "list" as const, data };
}

function checkPool(origin: string, site: SiteGrant | undefined, request: PortRequest): void {
  if (!site || site.pools.length === 0 || request.method === "models.list") return;
  const model = (request.params as { model?: unknown }).model;
  if (typeof model !== "string" || !site.pools.includes(model)) throw poolNotAllowed(origin, String(model), site.pools);
}

/** The request, or what is wrong with it (the bridge already checked the envelope; this is the worker's own check). */
function parseRequest(message: unknown): PortRequest | string {
  if (typeof message !== "object" || message === null) return "not an object";
  const { method, params, budget } = message as Record<string, unknown>;
  if (typeof method !== "string" || !(PAGE_METHODS as readonly string[]).includes(method)) return `unknown method ${JSON.stringify(String(method)).slice(0, 80)}`;
  if (method !== "models.list" && (typeof params !== "object" || params === null || Array.isArray(params))) return `${method} needs its parameters as an object`;
  if (budget !== undefined && (typeof budget !== "object" || budget === null)) return "budget must be an object";
  return { method: method as PageMethod, params: params ?? {}, ...(budget ? { budget: budget as PortRequest["budget"] } : {}) };
}

/** The last user message's text, for content logging. */
function promptOf(request: PortRequest): string | undefined {
  const params = request.params as { messages?: Array<{ role?: string; content?: unknown }>; input?: unknown; prompt?: unknown };
  if (Array.isArray(params.messages)) {
    const last = [...params.messages].reverse().find((message) => message?.role === "user");
    if (typeof last?.content === "string") return last.content;
    if (Array.isArray(last?.content)) return last.content.map((part: { text?: unknown }) => (typeof part?.text === "string" ? part.text : "")).join("");
  }
  if (typeof params.input === "string") return params.input;
  if (typeof params.prompt === "string") return params.prompt;
  return undefined;
}
