/**
 * Mesh mode: the OpenAI REST API with ModelMesh routing behind it. Each route reads the body once, calls the
 * client with the OpenAI call shape, and writes the answer once (a stream: one JSON.stringify per chunk).
 */
import { SSE_DONE, capabilities, formatSseEvent, servedBy, servedHeaders, type MeshClient, type Model } from "modelmesh";
import { badRequest, errorReplyFor, payloadTooLarge, ProxyRequestError, quoteName } from "./errors.js";
import { JsonReply, jsonResponse, knownRequestBody, SourceReply, type BodySource, type ProxyRequest, type Reply } from "./responses.js";
import { parseJsonObject } from "./json-body.js";

/** What a route needs besides the request. */
export interface RouteContext {
  signal: AbortSignal;
  maxBodyBytes: number;
  redact: (text: string) => string;
}

type Route = (client: MeshClient, request: ProxyRequest, context: RouteContext) => Promise<Reply>;

/** Where the SDK keeps the service's JSON text of a chunk it passed on unchanged (`sdk/src/wire/raw-text.ts`). */
const RAW_CHUNK = Symbol.for("modelmesh.raw-chunk");
/** The request option that asks the SDK to keep that text (it costs every chunk a property, so only on request). */
const KEEP_RAW_CHUNKS = Symbol.for("modelmesh.keep-raw-chunks");
/** The request option that asks the SDK for a stream of arrays: the chunks ready together (`sdk/src/wire/chunk-batches.ts`). */
const CHUNK_BATCHES = Symbol.for("modelmesh.chunk-batches");
/** A completion the mesh passed on unchanged carries the service's own JSON text for it (set by the SDK's provider). */
const RAW_JSON = Symbol.for("modelmesh.raw-json");
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };
const TEXT_FORMATS = new Set(["text", "srt", "vtt"]);

/** The body as bytes, refusing more than `limit` whether or not a content-length was declared. */
async function readBytes(request: ProxyRequest, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw payloadTooLarge(limit);
  const known = knownRequestBody(request);
  if (known) return known;
  if (!request.body) return new Uint8Array(0);
  // A BufferedRequest always has its bytes known (above): from here on it is a Web Request.
  if (!(request instanceof Request)) return new Uint8Array(0);
  // With a content-length the HTTP layer already bounds the body: read it in one go.
  if (declared !== null) return new Uint8Array(await request.arrayBuffer());
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw payloadTooLarge(limit);
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

async function readJson(request: ProxyRequest, limit: number): Promise<Record<string, unknown>> {
  return parseJsonObject(await readBytes(request, limit));
}

/**
 * SSE events from a MeshStream: each chunk is stringified once; a failure after the first chunk ends as an error
 * event. A source rather than a web stream, so the node adapter writes each event straight to the socket.
 */
function sseSource(stream: AsyncIterable<unknown>, context: RouteContext, client: MeshClient): BodySource {
  const iterator = stream[Symbol.asyncIterator]();
  let finished = false;
  return {
    async next() {
      if (finished) return undefined;
      try {
        const { value, done } = await iterator.next();
        if (done) {
          finished = true;
          return SSE_DONE;
        }
        // The chunks that were ready together (one network read's, mostly): one piece, one write.
        if (!Array.isArray(value)) return sseEvent(value);
        let text = "";
        for (const chunk of value) text += sseEvent(chunk);
        return text;
      } catch (error) {
        finished = true;
        if (context.signal.aborted) return undefined;
        // The status line is already sent; the official clients raise an APIError for a data event holding `error`.
        // Which model names exist matters only for an error's wording: looked up then, not built per request.
        const reply = errorReplyFor(error, context.redact, knownModelNames(client));
        return formatSseEvent(JSON.stringify({ error: { message: reply.message, type: reply.type, param: reply.param, code: reply.code } }));
      }
    },
    async cancel() {
      if (finished) return;
      finished = true;
      // The client went away: leaving the iteration aborts the upstream request.
      await iterator.return?.();
    },
  };
}

/**
 * One chunk as an SSE event. A chunk the mesh passed on unchanged carries the service's own JSON text for it (one
 * line, checked by the SDK): written as it came, without serialising the chunk again. JSON.stringify escapes CR and
 * LF inside strings and adds no line breaks of its own, so its text too is one `data:` line as it is (formatSseEvent
 * would split it on line ends: a regex and two arrays per chunk).
 */
function sseEvent(chunk: unknown): string {
  const raw = (chunk as { [RAW_CHUNK]?: unknown })[RAW_CHUNK];
  return `data: ${typeof raw === "string" ? raw : JSON.stringify(chunk)}\n\n`;
}

/** Every name a request's `model` may use: pools, capabilities and model ids (`model` and `provider/model`). */
export function knownModelNames(client: MeshClient): (name: string) => boolean {
  return (name) => {
    if (capabilities.isKnown(name)) return true;
    try {
      const { pools } = client.describe();
      return Object.entries(pools).some(([pool, entry]) => pool === name || entry.models.some((model) => model.model === name || `${model.provider}/${model.model}` === name));
    } catch {
      return false;
    }
  };
}

const chatCompletions: Route = async (client, request, context) => {
  const body = await readJson(request, context.maxBodyBytes);
  if (body.stream === true) {
    const stream = await client.chat.completions.create(body as never, { signal: context.signal, [KEEP_RAW_CHUNKS]: true, [CHUNK_BATCHES]: true } as { signal: AbortSignal });
    // A SourceReply, not a Response over a web stream: the node adapter writes the events straight to the socket.
    return new SourceReply(200, sseSource(stream as AsyncIterable<unknown>, context, client), SSE_HEADERS);
  }
  return meshJson(await client.chat.completions.create(body as never, { signal: context.signal }));
};

/**
 * A JSON answer with who served it and what it cost in `x-modelmesh-provider`, `x-modelmesh-model`,
 * `x-modelmesh-attempts` and (for a priced model) `x-modelmesh-cost` (USD), read from the record the router keeps on
 * the response.
 */
function meshJson(value: unknown): Reply {
  const served = servedBy(value);
  const raw = (value as { [RAW_JSON]?: unknown } | null)?.[RAW_JSON];
  // The service's text, when the SDK vouches that the answer is unchanged: not parsed-then-serialised again.
  const text = typeof raw === "string" ? raw : JSON.stringify(value);
  if (!served) return new JsonReply(200, text);
  const headers = servedHeaders(served);
  // The serving service's own id for the exchange (what its support asks for), beside the proxy's `x-request-id`, as
  // the relay sends it.
  const upstreamId = (value as { _request_id?: unknown })._request_id;
  if (typeof upstreamId === "string" && upstreamId !== "") headers["x-upstream-request-id"] = upstreamId;
  return new JsonReply(200, text, headers);
}

const embeddings: Route = async (client, request, context) => meshJson(await client.embeddings.create((await readJson(request, context.maxBodyBytes)) as never, { signal: context.signal }));

const images: Route = async (client, request, context) => meshJson(await client.images.generate((await readJson(request, context.maxBodyBytes)) as never, { signal: context.signal }));

// Rerank, web search and scrape: ModelMesh's own shapes (no OpenAI equivalent), routed like the rest.
const rerank: Route = async (client, request, context) => meshJson(await client.rerank.create((await readJson(request, context.maxBodyBytes)) as never, { signal: context.signal }));
const search: Route = async (client, request, context) => meshJson(await client.search.create((await readJson(request, context.maxBodyBytes)) as never, { signal: context.signal }));
const scrape: Route = async (client, request, context) => meshJson(await client.scrape.create((await readJson(request, context.maxBodyBytes)) as never, { signal: context.signal }));

const speech: Route = async (client, request, context) => {
  const audio = await client.audio.speech.create((await readJson(request, context.maxBodyBytes)) as never, { signal: context.signal });
  return new Response(audio.body, { status: 200, headers: { "content-type": audio.headers.get("content-type") ?? "audio/mpeg" } });
};

const transcriptions: Route = async (client, request, context) => {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) throw badRequest("send the audio as multipart/form-data with a file field", "file");
  const bytes = await readBytes(request, context.maxBodyBytes);
  let form: FormData;
  try {
    form = await new Response(bytes as unknown as BodyInit, { headers: { "content-type": contentType } }).formData();
  } catch {
    throw badRequest("the multipart body could not be parsed", "file");
  }
  // No prototype: a field named `toString[]` or `__proto__` is just a field, not a method to call or a prototype to set.
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of form) {
    if (key === "file") continue;
    // Arrays travel as repeated `key[]` fields (timestamp_granularities[]); a plain field of the same name is replaced.
    if (key.endsWith("[]")) {
      const name = key.slice(0, -2);
      const list = fields[name];
      if (Array.isArray(list)) list.push(value);
      else fields[name] = [value];
    } else fields[key] = value;
  }
  const file = form.get("file");
  if (!(file instanceof Blob)) throw badRequest("file is required (an audio file in the multipart body)", "file");
  const result = await client.audio.transcriptions.create({ ...fields, file } as never, { signal: context.signal });
  if (typeof fields.response_format === "string" && TEXT_FORMATS.has(fields.response_format)) {
    return new Response(result.text, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  return jsonResponse(result);
};

/** The mesh's model list (`client.models.list()`), dated when the proxy started. */
function modelList(client: MeshClient, created: number): Model[] {
  return client.mesh.listModels().data.map((model) => ({ ...model, created }));
}

/**
 * The mesh-mode router: returns a Response for `/v1/...` paths it serves, or undefined for anything else.
 * @example
 * const routes = createMeshRoutes(client, Math.floor(Date.now() / 1000));
 * const response = await routes("POST", "/v1/chat/completions", request, context);
 */
export function createMeshRoutes(client: MeshClient, created: number) {
  const posts: Record<string, Route> = {
    "/v1/chat/completions": chatCompletions,
    "/v1/embeddings": embeddings,
    "/v1/audio/speech": speech,
    "/v1/audio/transcriptions": transcriptions,
    "/v1/images/generations": images,
    "/v1/rerank": rerank,
    "/v1/search": search,
    "/v1/scrape": scrape,
  };
  return async (method: string, path: string, request: ProxyRequest, context: RouteContext): Promise<Reply | undefined> => {
    if (method === "POST") {
      const route = posts[path];
      return route ? route(client, request, context) : undefined;
    }
    if (method !== "GET") return undefined;
    if (path === "/v1/models") {
      await client.ready();
      return jsonResponse({ object: "list", data: modelList(client, created) });
    }
    if (path.startsWith("/v1/models/")) {
      await client.ready();
      let id: string;
      try {
        id = decodeURIComponent(path.slice("/v1/models/".length));
      } catch {
        throw badRequest("the model id in the URL is not valid percent-encoding", "model");
      }
      // Any name a request's `model` may use (a capability's full path, `provider/model`), listed or not.
      let entry: Model;
      try {
        entry = client.mesh.retrieveModel(id);
      } catch {
        throw new ProxyRequestError({ status: 404, message: `The model '${context.redact(quoteName(id))}' does not exist`, type: "invalid_request_error", param: "model", code: "model_not_found" });
      }
      return jsonResponse({ ...entry, created });
    }
    return undefined;
  };
}

/** The route names used in metrics, fixed so scanners cannot create new series. */
export const MESH_ROUTE_NAMES: ReadonlySet<string> = new Set(["/v1/chat/completions", "/v1/embeddings", "/v1/audio/speech", "/v1/audio/transcriptions", "/v1/images/generations", "/v1/rerank", "/v1/search", "/v1/scrape", "/v1/models"]);
