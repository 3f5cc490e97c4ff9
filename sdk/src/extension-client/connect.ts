import { EXTENSION_ERROR_CODES, EXTENSION_SOURCE, MAX_PAGE_MESSAGE_BYTES, PAGE_SOURCE, PROTOCOL_VERSION } from "./protocol.js";
import type { EncodedBlob, PageMethod, PageReply, SerializedError, SiteBudgetRequest } from "./protocol.js";
// Types only (no bytes): the answers are the mesh's, in OpenAI's shapes.
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, CreateEmbeddingResponse, ImagesResponse, Model, Transcription } from "../wire/types.js";

// The page side of the extension, kept under 3 KB gzip: no import of the SDK's core. Errors are revived by `name`
// as plain Errors carrying every serialized field, which `isModelMeshError` / `isModelMeshErrorOf` from "modelmesh"
// recognise (they check name, code and retryable, since instanceof cannot cross a message channel anyway).

/**
 * Options of `connectExtension()`.
 * @example
 * const options: ConnectExtensionOptions = { timeout: 2000, budget: { dailyLimit: 0.5 } };
 */
export interface ConnectExtensionOptions {
  /** How long to wait for the extension to announce itself, in ms (default 2000). */
  timeout?: number;
  /** The budget this site asks for; the consent window shows it and the person decides (default: none asked). */
  budget?: SiteBudgetRequest;
  /** The window to talk through (default: the global `window`). */
  window?: Window;
}

/** Per-call options, as the official client's second argument. */
export interface ExtensionRequestOptions {
  /** Aborting it cancels the request; the extension stops the upstream call. */
  signal?: AbortSignal;
}

/** A streamed answer: iterate it with `for await`; leaving the loop early, or `abort()`, cancels the request. */
export interface ExtensionStream<Chunk> extends AsyncIterable<Chunk> {
  abort(): void;
}

type Json = Record<string, any>;

/**
 * The OpenAI call shape, served by the ModelMesh extension with the person's keys (which the page never sees).
 * @example
 * const reply = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
 */
export interface ExtensionClient {
  readonly extensionVersion: string;
  chat: {
    completions: {
      // Any body with the fields of a chat request: the official client's params types fit, as in `create()`'s client.
      create<Body extends ChatCompletionRequest & { stream: true }>(body: Body, options?: ExtensionRequestOptions): Promise<ExtensionStream<ChatCompletionChunk>>;
      create<Body extends ChatCompletionRequest>(body: Body, options?: ExtensionRequestOptions): Promise<ChatCompletion>;
    };
  };
  embeddings: { create(body: Json, options?: ExtensionRequestOptions): Promise<CreateEmbeddingResponse> };
  audio: {
    /** Resolves to a `Response` whose body is the audio, like the official client. */
    speech: { create(body: Json, options?: ExtensionRequestOptions): Promise<Response> };
    /** `file` is a Blob or File. */
    transcriptions: { create(body: Json & { file: Blob }, options?: ExtensionRequestOptions): Promise<Transcription> };
  };
  images: { generate(body: Json, options?: ExtensionRequestOptions): Promise<ImagesResponse> };
  models: { list(options?: ExtensionRequestOptions): Promise<{ object: "list"; data: Model[] }> };
}

/** An Error with the serialized ModelMesh error's name, code, retryable and fields. */
const revive = (json: SerializedError): Error => Object.assign(new Error(json.message), json);

const abortError = (signal?: AbortSignal): unknown => signal?.reason ?? new DOMException("the request was aborted", "AbortError");

const toBase64 = async (blob: Blob): Promise<string> => {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let offset = 0; offset < bytes.length; offset += 32768) binary += String.fromCharCode(...bytes.subarray(offset, offset + 32768));
  return btoa(binary);
};

const fromBase64 = (encoded: EncodedBlob): Blob => new Blob([Uint8Array.from(atob(encoded.$blob), (character) => character.charCodeAt(0))], { type: encoded.type });

/**
 * Connects to the ModelMesh browser extension: resolves once the extension announces itself on this page, rejects
 * with a ModelMesh error (code `extension_not_found`) when none answers within `timeout`. The first request asks the
 * person for consent in a window of the extension; a denied site gets an error with code `consent_denied`.
 * @example
 * import { connectExtension } from "modelmesh/extension";
 * const client = await connectExtension({ budget: { dailyLimit: 0.25 } });
 * const stream = await client.chat.completions.create({ model: "chat-completion", messages, stream: true });
 * for await (const chunk of stream) output.append(chunk.choices[0]?.delta?.content ?? "");
 */
export function connectExtension(options: ConnectExtensionOptions = {}): Promise<ExtensionClient> {
  const target = options.window ?? window;
  const post = (message: Json) => target.postMessage({ source: PAGE_SOURCE, version: PROTOCOL_VERSION, ...message }, target.location.origin);
  /** Listens to the extension's replies on this window; returns the function that stops listening. */
  const listen = (handler: (reply: PageReply) => void) => {
    const listener = (event: MessageEvent) => {
      const data = event.data;
      if (event.source === target && data?.source === EXTENSION_SOURCE && data.version === PROTOCOL_VERSION) handler(data);
    };
    target.addEventListener("message", listener);
    return () => target.removeEventListener("message", listener);
  };

  /**
   * Sends one request; `onReply` sees every reply for it. Resolves with the stop function once sent. Aborting the
   * signal tells the extension to cancel and rejects through `fail`.
   */
  const send = async (method: PageMethod, params: Json, signal: AbortSignal | undefined, onReply: (reply: PageReply, stop: () => void) => void, fail: (error: unknown) => void) => {
    if (params.file instanceof Blob) params = { ...params, file: { $blob: await toBase64(params.file), type: params.file.type, name: (params.file as File).name } };
    const id = crypto.randomUUID();
    const json = JSON.stringify(params);
    if (json.length > MAX_PAGE_MESSAGE_BYTES) throw revive({ name: "InvalidRequestError", code: "invalid_request", retryable: false, message: `the request is larger than the extension accepts (${MAX_PAGE_MESSAGE_BYTES} bytes)` });
    signal?.throwIfAborted();
    let settled = false;
    // Cancelling is idempotent: the signal, `abort()` and leaving the loop may all ask; after the last reply none does.
    const onAbort = () => {
      if (settled) return;
      stop();
      post({ kind: "abort", id });
      fail(abortError(signal));
    };
    const unlisten = listen((reply) => "id" in reply && reply.id === id && onReply(reply, stop));
    const stop = () => {
      settled = true;
      unlisten();
      signal?.removeEventListener("abort", onAbort);
    };
    signal?.addEventListener("abort", onAbort);
    post({ kind: "request", id, method, params: JSON.parse(json), ...(options.budget ? { budget: options.budget } : {}) });
    return onAbort;
  };

  /** A request with one answer (`result`), or none (`end`). */
  const call = (method: PageMethod, params: Json = {}, requestOptions: ExtensionRequestOptions = {}) =>
    new Promise<any>((resolve, reject) => {
      send(
        method,
        params,
        requestOptions.signal,
        (reply, stop) => {
          if (reply.kind === "chunk") return;
          stop();
          if (reply.kind === "error") reject(revive(reply.error));
          else resolve(reply.kind === "result" ? reply.result : undefined);
        },
        reject,
      ).catch(reject);
    });

  /** A streamed chat: resolves at the first chunk (an error before it rejects), like `modelmesh`'s MeshStream. */
  const stream = (params: Json, requestOptions: ExtensionRequestOptions = {}) =>
    new Promise<ExtensionStream<Json>>((resolve, reject) => {
      const queue: Array<{ chunk?: Json; done?: true; error?: unknown }> = [];
      let wake: (() => void) | undefined;
      let cancel: (() => void) | undefined;
      let opened = false;
      const push = (item: (typeof queue)[number]) => {
        if (!opened && item.error) return reject(item.error);
        queue.push(item);
        wake?.();
        if (!opened) {
          opened = true;
          resolve(iterable);
        }
      };
      const iterable: ExtensionStream<Json> = {
        abort: () => cancel?.(),
        async *[Symbol.asyncIterator]() {
          try {
            for (;;) {
              const item = queue.shift();
              if (!item) {
                await new Promise<void>((resume) => (wake = resume));
                continue;
              }
              if (item.error) throw item.error;
              if (item.done) return;
              yield item.chunk!;
            }
          } finally {
            // Leaving the loop early cancels the request upstream; after the end it only stops listening.
            cancel?.();
          }
        },
      };
      send(
        "chat.completions.create",
        params,
        requestOptions.signal,
        (reply, stop) => {
          if (reply.kind === "chunk") return push({ chunk: reply.chunk as Json });
          stop();
          cancel = undefined;
          push(reply.kind === "error" ? { error: revive(reply.error) } : { done: true });
        },
        (error) => push({ error }),
      ).then((onAbort) => {
        cancel ??= () => {
          cancel = undefined;
          onAbort();
        };
      }, reject);
    });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unlisten();
      reject(revive({ name: "ModelMeshError", code: EXTENSION_ERROR_CODES.notFound, retryable: false, message: `no ModelMesh extension answered on this page within ${options.timeout ?? 2000} ms (is it installed and enabled for this site?)` }));
    }, options.timeout ?? 2000);
    const unlisten = listen((reply) => {
      if (reply.kind !== "announce") return;
      clearTimeout(timer);
      unlisten();
      resolve({
        extensionVersion: reply.extensionVersion,
        chat: { completions: { create: ((body: Json, requestOptions?: ExtensionRequestOptions) => (body.stream === true ? stream(body, requestOptions) : call("chat.completions.create", body, requestOptions))) as ExtensionClient["chat"]["completions"]["create"] } },
        embeddings: { create: (body, requestOptions) => call("embeddings.create", body, requestOptions) },
        audio: {
          speech: { create: async (body, requestOptions) => new Response(fromBase64(await call("audio.speech.create", body, requestOptions))) },
          transcriptions: { create: (body, requestOptions) => call("audio.transcriptions.create", body, requestOptions) },
        },
        images: { generate: (body, requestOptions) => call("images.generate", body, requestOptions) },
        models: { list: (requestOptions) => call("models.list", {}, requestOptions) },
      });
    });
    post({ kind: "hello" });
  });
}
