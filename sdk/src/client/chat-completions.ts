import type { RequestOptions } from "../core/router.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletionRequest, CompletionUsage, ParsedChatCompletion, ParsedContentOf } from "../wire/types.js";
import type { ClientContext } from "./context.js";
import type { ModelMesh } from "../core/mesh.js";
import type { ToolRunnerHost } from "../core/tool-runner.js";
import type { MeshStream } from "../wire/mesh-stream.js";
import { ChatCompletionStream } from "./chat-completion-stream.js";
import { ChatCompletionRunner } from "./chat-completion-runner.js";
import { ChatCompletionStreamingRunner } from "./chat-completion-streaming-runner.js";
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

  /**
   * The official client's structured-output helper: `create` (not streamed), then each message's `parsed` (the JSON
   * of a `json_schema` response format, or what a format made by `zodResponseFormat` parses it to) and each strict
   * function call's `parsed_arguments`. Only strict function tools are accepted; an answer cut at its token limit or
   * stopped by a content filter rejects with `LengthFinishReasonError` / `ContentFilterFinishReasonError`.
   * @example
   * const completion = await client.chat.completions.parse({ model: "chat-completion", messages, response_format: { type: "json_schema", json_schema: { name: "city", schema } } });
   * console.log(completion.choices[0].message.parsed);
   */
  parse<Body extends ChatCompletionRequest & { stream?: false | null }>(body: Body, options: RequestOptions = {}): MeshPromise<ParsedChatCompletion<ParsedContentOf<Body>>> {
    // Through `create` (not #create): a mock client's scripted answers serve the helper too. The work loads with the mesh.
    const parsed = (async () => (this.client.started?.() ?? (await this.client.mesh())).parseChat(body, () => this.create(body as ChatCompletionRequest & { stream?: false | null }, options)))();
    return withRawResponse(parsed as Promise<ParsedChatCompletion<ParsedContentOf<Body>>>);
  }

  /**
   * The official client's tool loop: asks, runs the functions the answer calls (`tools: [{ type: "function", function:
   * { function, parse, parameters } }]`, or tools made by `zodFunction` with a `function`), sends their results back,
   * and asks again until an answer calls none (at most `maxChatCompletions` answers, default 10). Returns a
   * `ChatCompletionRunner` at once (a `ChatCompletionStreamingRunner` with `stream: true`: each answer streamed, its
   * chunks iterable and its stream's events too): its events, `messages` and `finalContent()`. Each answer goes
   * through `create`, so routing, failover, budgets and usage apply to every step.
   * @example
   * const runner = client.chat.completions.runTools({ model: "chat-completion", messages, tools });
   * console.log(await runner.finalContent());
   */
  runTools<Body extends ChatCompletionRequest & { stream?: false | null }>(body: Body, options?: RequestOptions & { maxChatCompletions?: number }): ChatCompletionRunner;
  runTools<Body extends ChatCompletionRequest & { stream: true }>(body: Body, options?: RequestOptions & { maxChatCompletions?: number }): ChatCompletionStreamingRunner;
  runTools(body: ChatCompletionRequest, options: RequestOptions & { maxChatCompletions?: number } = {}): ChatCompletionRunner {
    const { maxChatCompletions, ...requestOptions } = options;
    const loopOptions = maxChatCompletions === undefined ? {} : { maxChatCompletions };
    // Through `create` (not #create): a mock client's scripted answers serve the helper too.
    const start = async (host: ToolRunnerHost) =>
      (this.client.started?.() ?? (await this.client.mesh())).runTools(
        host,
        body,
        loopOptions,
        (request, signal) => this.create(request as unknown as ChatCompletionRequest & { stream?: false | null }, { ...requestOptions, signal }),
        async (request, signal) => (await this.create({ ...(request as unknown as ChatCompletionRequest), stream: true }, { ...requestOptions, signal })) as AsyncIterable<ChatCompletionChunk>,
      );
    return body.stream === true ? new ChatCompletionStreamingRunner(start, options.signal) : new ChatCompletionRunner(start, options.signal);
  }

  async #create(body: ChatCompletionCreateParams, options: RequestOptions): Promise<ChatCompletion | MeshStream<ChatCompletionChunk>> {
    // Checked once the mesh has started: the checks load with the mesh's code, not with the page.
    const mesh: ModelMesh = this.client.started?.() ?? (await this.client.mesh());
    mesh.checkRequest("chat", body, this.client.limits);
    requireModel(body);
    const target = body.model;
    const features = mesh.chatFeatures(body);
    if (body.stream === true) return mesh.openChatStream(target, body, features, options);
    // Awaited here rather than wrapped in another promise: one promise layer fewer on every call.
    try {
      return await mesh.router.run<ChatCompletion>("chat", target, body, features, options, chatCall, completionUsage);
    } catch (error) {
      throw mesh.callerError(error);
    }
  }
}

const chatCall = (provider: Provider, request: Record<string, unknown>, callOptions: ProviderCallOptions) => provider.chat(request as unknown as ChatCompletionCreateParams, callOptions);
const completionUsage = (response: ChatCompletion) => usageCounts(response.usage);

function usageCounts(usage: CompletionUsage | undefined) {
  if (!usage) return undefined;
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  // As for streams: a service that leaves out the total still used prompt + completion tokens. The service's own cost
  // (OpenRouter's) is booked instead of an estimate.
  const cost = usage.cost;
  return { promptTokens, completionTokens, totalTokens: usage.total_tokens ?? promptTokens + completionTokens, ...(typeof cost === "number" && Number.isFinite(cost) && cost >= 0 ? { cost } : {}) };
}
