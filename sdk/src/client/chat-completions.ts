import { chatFeatures } from "../core/features.js";
import type { RequestOptions } from "../core/router.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletionRequest, CompletionUsage } from "../wire/types.js";
import type { ClientContext } from "./context.js";
import type { ModelMesh } from "../core/mesh.js";
import { MeshStream, settlingSource, stoppedByReader } from "./mesh-stream.js";
import { ChatCompletionStream } from "./chat-completion-stream.js";
import { requireModel } from "./caller-error.js";
import { withRawResponse, type MeshPromise } from "./raw-response.js";
import type { Provider, ProviderCallOptions } from "../provider/provider.js";

export type ChatCompletionCreateParamsStreaming = ChatCompletionCreateParams & { stream: true };
export type ChatCompletionCreateParamsNonStreaming = ChatCompletionCreateParams & { stream?: false | null };

/** `client.chat.completions`: the OpenAI call shape, routed. */
export class ChatCompletions {
  constructor(private readonly client: ClientContext) {}

  /**
   * Creates a chat completion on the best available model of the pool `model` names.
   * With `stream: true` the promise resolves once the first chunk has arrived (failures before that
   * fail over silently or reject here) to a `MeshStream` of chunks.
   * @example
   * const response = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] });
   * console.log(response.choices[0].message.content, "served by", response.model);
   */
  // Generic in the body's type: a body typed with the official client's params (interfaces without an index
  // signature) is accepted as it is, and an object literal may carry fields ModelMesh does not type (`top_k`).
  create<Body extends ChatCompletionRequest & { stream: true }>(body: Body, options?: RequestOptions): MeshPromise<MeshStream<ChatCompletionChunk>>;
  create<Body extends ChatCompletionRequest & { stream?: false | null }>(body: Body, options?: RequestOptions): MeshPromise<ChatCompletion>;
  create<Body extends ChatCompletionRequest>(body: Body, options?: RequestOptions): MeshPromise<ChatCompletion | MeshStream<ChatCompletionChunk>>;
  create(body: ChatCompletionRequest, options: RequestOptions = {}): MeshPromise<ChatCompletion | MeshStream<ChatCompletionChunk>> {
    return withRawResponse(this.#create(body as ChatCompletionCreateParams, options));
  }

  /**
   * The official client's streaming helper: a `ChatCompletionStream` at once (no await), with events (`content`,
   * `chunk`, `finalChatCompletion`, ...), `for await` over the chunks, and `finalChatCompletion()`, `finalContent()`.
   * @example
   * const stream = client.chat.completions.stream({ model: "chat-completion", messages });
   * stream.on("content", (delta) => process.stdout.write(delta));
   * console.log((await stream.finalChatCompletion()).usage);
   */
  stream<Body extends ChatCompletionRequest & { stream?: true | null }>(body: Body, options: RequestOptions = {}): ChatCompletionStream {
    return new ChatCompletionStream(
      // Through `create` (not #create): a mock client's scripted answers serve the helper too.
      async (host) => (this.client.started?.() ?? (await this.client.mesh())).chatStreamRun(host, (signal) => this.create({ ...body, stream: true }, { ...options, signal })),
      options.signal,
    );
  }

  async #create(body: ChatCompletionCreateParams, options: RequestOptions): Promise<ChatCompletion | MeshStream<ChatCompletionChunk>> {
    // Checked once the mesh has started: the checks load with the mesh's code, not with the page.
    const mesh: ModelMesh = this.client.started?.() ?? (await this.client.mesh());
    mesh.checkRequest("chat", body, this.client.limits);
    requireModel(body);
    const target = body.model;
    const features = chatFeatures(body);
    if (body.stream === true) return this.#stream(mesh, target, body, features, options);
    // Awaited here rather than wrapped in another promise: one promise layer fewer on every call.
    try {
      return await mesh.router.run<ChatCompletion>("chat", target, body, features, options, chatCall, completionUsage);
    } catch (error) {
      throw mesh.callerError(error);
    }
  }

  // Truly private (#): the official client has a `.stream()` helper of another shape, and JavaScript callers must not
  // reach this by that name.
  async #stream(
    mesh: ModelMesh,
    target: string,
    body: ChatCompletionCreateParams,
    features: ReturnType<typeof chatFeatures>,
    options: RequestOptions,
  ): Promise<MeshStream<ChatCompletionChunk>> {
    const router = mesh.router;
    // The router's kind: its signal is built only if someone reads it (the router and providers follow the controller).
    const controller = router.streamController();
    // Already aborted: so is the stream. Otherwise the router makes the stream's controller follow the caller's signal
    // while it runs.
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    // Arrays of chunks only for a caller that asked for them (`CHUNK_BATCHES`, the proxy's); single chunks otherwise.
    const generator = router.stream(target, body, features, options, controller) as AsyncGenerator<ChatCompletionChunk>;
    // Pull the first chunk now, so a request no model can serve rejects here, like the official client.
    let first: IteratorResult<ChatCompletionChunk>;
    try {
      first = await generator.next();
    } catch (error) {
      throw mesh.callerError(error);
    }
    // A plain iterator rather than an async generator around the router's: one layer less on every chunk (each
    // generator layer costs a promise and several microtask turns per chunk, on streams of thousands of chunks).
    let pending: IteratorResult<ChatCompletionChunk> | undefined = first;
    let released = false;
    /** Lets go of the router's generator (which lets go of the caller's signal); one that ended has nothing to give back. */
    const release = (ended: boolean): Promise<unknown> | undefined => {
      if (released) return undefined;
      released = true;
      return ended ? undefined : generator.return(undefined);
    };
    const iterator: AsyncIterator<ChatCompletionChunk> = {
      next: async () => {
        if (released) return { done: true, value: undefined };
        let result = pending;
        pending = undefined;
        try {
          result ??= await generator.next();
        } catch (error) {
          await release(false);
          // Stopped by its reader with a plain abort (`stream.abort()`, `stream.controller.abort()`, the caller's signal
          // aborted without a reason of its own): the loop ends quietly, as the official client's does. A reason the
          // caller gave is thrown, as there.
          if (stoppedByReader(controller.signal)) return { done: true, value: undefined };
          throw mesh.callerError(error);
        }
        // The end needs no await: the generator is done, and an await is a turn of every layer's promises.
        if (result.done) release(true);
        return result;
      },
      return: async (value?: unknown) => {
        await release(false);
        return { done: true, value: value as ChatCompletionChunk };
      },
    };
    // The iterator ends for good by itself (`released`): the stream hands its `next` on unwrapped.
    return new MeshStream<ChatCompletionChunk>(settlingSource(() => iterator), controller);
  }
}

const chatCall = (provider: Provider, request: Record<string, unknown>, callOptions: ProviderCallOptions) => provider.chat(request as unknown as ChatCompletionCreateParams, callOptions);
const completionUsage = (response: ChatCompletion) => usageCounts(response.usage);

function usageCounts(usage: CompletionUsage | undefined) {
  if (!usage) return undefined;
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  // As for streams: a service that leaves out the total still used prompt + completion tokens.
  return { promptTokens, completionTokens, totalTokens: usage.total_tokens ?? promptTokens + completionTokens };
}
