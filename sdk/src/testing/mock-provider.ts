import { ModelMeshError, ProviderError } from "../wire/errors.js";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  CreateEmbeddingResponse,
  EmbeddingCreateParams,
} from "../wire/types.js";
import type { ModelInfo, Provider, ProviderCallOptions, ProviderOperation, ProviderResult } from "../provider/provider.js";

/** One scripted answer of a mock client. */
export interface MockResponse {
  content?: string;
  /** The model the response says served it (default: the model the router picked). */
  model?: string;
  /**
   * The tokens the answer reports: `usage.total_tokens` (all of them answer tokens, `prompt_tokens` 0), as the FAQ's
   * `MockResponse(tokens=10)` means. Default: about one prompt token per 4 characters, one answer token per word.
   */
  tokens?: number;
  /** Milliseconds to wait before answering. */
  delay?: number;
  /** Thrown instead of answering: a ModelMesh error behaves as if a provider raised it. */
  error?: Error;
  /** The stream's content pieces (default: `content` split after each word). */
  chunks?: string[];
  /** For embeddings calls. */
  embedding?: number[];
  finishReason?: "stop" | "length" | "tool_calls" | "content_filter";
}

/** A recorded request: in `mockClient().calls` as the caller made it, in `MockProvider.calls` as the router sent it (`model` is the model it picked). */
export type RecordedCall = Record<string, unknown> & { operation: ProviderOperation; messages?: ChatCompletionCreateParams["messages"] };

const CHAT = "generation.text-generation.chat-completion";
const EMBEDDINGS = "representation.embeddings.text-embeddings";

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

/** A scripted `tokens` is the total, all answer tokens; else estimated from the prompt and the answer's words. */
function tokenCounts(response: MockResponse, request: ChatCompletionCreateParams, words: number): { prompt: number; completion: number } {
  if (response.tokens !== undefined) return { prompt: 0, completion: response.tokens };
  return { prompt: JSON.stringify(request.messages ?? []).length >> 2, completion: words };
}

/**
 * A provider that answers from a script instead of the network; `mockClient()` builds on it, and it
 * can be used directly in a real `create()` to test routing with no server.
 * @example
 * const provider = new MockProvider({ responses: [{ content: "Hi!" }], models: ["mock-a"] });
 * const client = create("chat-completion", { providers: [{ instance: provider }] });
 */
export class MockProvider implements Provider {
  static readonly connectorId = "modelmesh.mock.v1";
  readonly connectorId = MockProvider.connectorId;
  readonly id: string;
  readonly keyId: string;
  readonly calls: RecordedCall[] = [];
  #responses: MockResponse[];
  #models: ModelInfo[];
  #next = 0;

  constructor(options: { id?: string; responses?: Array<MockResponse | string>; models?: Array<string | ModelInfo> } = {}) {
    this.id = options.id ?? "mock";
    this.keyId = `mock:${this.id}`;
    this.#responses = (options.responses ?? []).map((response) => (typeof response === "string" ? { content: response } : response));
    const names = options.models ?? ["mock-model"];
    this.#models = names.map((model) => (typeof model === "string" ? { id: model, capabilities: [CHAT, EMBEDDINGS] } : model));
  }

  listModels(): ModelInfo[] {
    return this.#models;
  }

  supports(operation: ProviderOperation): boolean {
    return operation === "chat" || operation === "embeddings";
  }

  private async take(operation: ProviderOperation, request: Record<string, unknown>, options?: ProviderCallOptions): Promise<MockResponse> {
    this.calls.push({ ...request, operation });
    const response = this.#responses[this.#next];
    if (!response) {
      throw new ProviderError(`mockClient: no scripted response left for call ${this.calls.length} (${this.#responses.length} given)`, { providerId: this.id, status: 400 }, { code: "mock_exhausted" });
    }
    this.#next += 1;
    if (response.delay) await wait(response.delay, options?.signal);
    if (response.error) {
      if (response.error instanceof ModelMeshError) throw response.error;
      throw new ProviderError(response.error.message, { providerId: this.id }, { code: "mock_error", cause: response.error });
    }
    return response;
  }

  async chat(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<ChatCompletion>> {
    const response = await this.take("chat", request, options);
    const content = response.content ?? "";
    const { prompt, completion } = tokenCounts(response, request, content.split(/\s+/).filter(Boolean).length);
    return {
      body: {
        id: `chatcmpl-mock-${this.calls.length}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: response.model ?? request.model,
        choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: response.finishReason ?? "stop", logprobs: null }],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      },
    };
  }

  async chatStream(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<AsyncIterable<ChatCompletionChunk>>> {
    const response = await this.take("chat", request, options);
    const content = response.content ?? "";
    const pieces = response.chunks ?? content.match(/\S+\s*|\s+/g) ?? [];
    const base = { id: `chatcmpl-mock-${this.calls.length}`, object: "chat.completion.chunk" as const, created: Math.floor(Date.now() / 1000), model: response.model ?? request.model };
    const { prompt, completion } = tokenCounts(response, request, pieces.length);
    async function* chunks(): AsyncGenerator<ChatCompletionChunk> {
      yield { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }] };
      for (const piece of pieces) yield { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null, logprobs: null }] };
      yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: response.finishReason ?? "stop", logprobs: null }] };
      yield { ...base, choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
    }
    return { body: chunks() };
  }

  async embeddings(request: EmbeddingCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<CreateEmbeddingResponse>> {
    const response = await this.take("embeddings", request as unknown as Record<string, unknown>, options);
    const inputs = Array.isArray(request.input) ? request.input : [request.input];
    const tokens = JSON.stringify(inputs).length >> 2;
    return {
      body: {
        object: "list",
        data: inputs.map((_, index) => ({ object: "embedding", index, embedding: response.embedding ?? [0.1, 0.2, 0.3] })),
        model: response.model ?? request.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      },
    };
  }
}
