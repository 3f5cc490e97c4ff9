/**
 * An in-process provider driven by a script, and a mesh around it with an injected clock, so router tests observe
 * exactly what each model received, what the caller got and what the model's state became, without HTTP.
 */
import { create } from "../../src/index.js";
import { CallbackObservability } from "../../src/observability/callback.js";
import type { MeshEvent } from "../../src/wire/events.js";
import type { ModelInfo, Provider, ProviderCallOptions, ProviderOperation, ProviderResult, RateLimitSnapshot } from "../../src/provider/provider.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, CompletionUsage, CreateEmbeddingResponse, EmbeddingCreateParams } from "../../src/wire/types.js";
import { testClock } from "../support/mesh.js";

export const CHAT = "generation.text-generation.chat-completion";
export const EMBEDDINGS = "representation.embeddings.text-embeddings";

/** One scripted answer: an error to throw, or text (streamed as `pieces`), after `latencyMs` of the test clock. */
export interface Step {
  error?: unknown;
  text?: string;
  pieces?: string[];
  /** A stream that breaks with this error after its pieces. */
  breakWith?: unknown;
  usage?: CompletionUsage | null;
  latencyMs?: number;
  rateLimit?: RateLimitSnapshot;
  finishReason?: "stop" | "length" | "tool_calls";
  /** Extra chunks sent after the pieces (tool calls, refusals). */
  extraChunks?: Array<ChatCompletionChunk["choices"]>;
}

export interface Received {
  operation: ProviderOperation;
  request: Record<string, unknown>;
  options: ProviderCallOptions | undefined;
  at: number;
}

type Clock = ReturnType<typeof testClock>;

export class ScriptedProvider implements Provider {
  readonly connectorId = "test.scripted.v1";
  readonly received: Received[] = [];
  readonly keyId: string;
  #steps: Step[];
  #models: ModelInfo[];

  constructor(
    readonly id: string,
    models: Array<string | ModelInfo>,
    steps: Step[],
    private readonly clock: Clock,
    keyId?: string,
  ) {
    this.keyId = keyId ?? `key-of-${id}`;
    this.#steps = [...steps];
    this.#models = models.map((model) => (typeof model === "string" ? { id: model, capabilities: [CHAT] } : model));
  }

  /** Adds steps to the script. */
  script(...steps: Step[]): this {
    this.#steps.push(...steps);
    return this;
  }

  listModels(): ModelInfo[] {
    return this.#models;
  }

  supports(operation: ProviderOperation): boolean {
    return operation === "chat" || operation === "embeddings";
  }

  #take(operation: ProviderOperation, request: Record<string, unknown>, options: ProviderCallOptions | undefined): Step {
    this.received.push({ operation, request: structuredClone(request), options, at: this.clock.now() });
    const step = this.#steps.shift() ?? { text: `answer from ${String(request.model)}` };
    this.clock.advance(step.latencyMs ?? 0);
    if (step.error !== undefined) throw step.error;
    return step;
  }

  async chat(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<ChatCompletion>> {
    const step = this.#take("chat", request as unknown as Record<string, unknown>, options);
    const text = step.text ?? (step.pieces ?? []).join("");
    const usage = step.usage === undefined ? { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } : step.usage;
    return {
      body: {
        id: `chatcmpl-${this.received.length}`,
        object: "chat.completion",
        created: 1_700_000_000,
        model: request.model,
        choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, finish_reason: step.finishReason ?? "stop", logprobs: null }],
        ...(usage ? { usage } : {}),
      },
      ...(step.rateLimit ? { rateLimit: step.rateLimit } : {}),
    };
  }

  async chatStream(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<AsyncIterable<ChatCompletionChunk>>> {
    const step = this.#take("chat", request as unknown as Record<string, unknown>, options);
    const pieces = step.pieces ?? (step.text ?? "").match(/\S+\s*|\s+/g) ?? [];
    const base = { id: `chatcmpl-${this.received.length}`, object: "chat.completion.chunk" as const, created: 1_700_000_000 + this.received.length, model: request.model };
    const provider = this;
    async function* chunks(): AsyncGenerator<ChatCompletionChunk> {
      yield { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] };
      for (const piece of pieces) yield { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
      for (const choices of step.extraChunks ?? []) yield { ...base, choices };
      if (step.breakWith !== undefined) throw step.breakWith;
      yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: step.finishReason ?? "stop" }] };
      if (step.usage !== null) yield { ...base, choices: [], usage: step.usage ?? { prompt_tokens: 10, completion_tokens: pieces.length, total_tokens: 10 + pieces.length } };
      provider.streamsFinished += 1;
    }
    return { body: chunks(), ...(step.rateLimit ? { rateLimit: step.rateLimit } : {}) };
  }

  streamsFinished = 0;

  async embeddings(request: EmbeddingCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<CreateEmbeddingResponse>> {
    this.#take("embeddings", request as unknown as Record<string, unknown>, options);
    return { body: { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.5] }], model: request.model, usage: { prompt_tokens: 2, total_tokens: 2 } } };
  }
}

/** A mesh over scripted providers, one pool "chat" (stick-until-failure unless `pool` says otherwise). */
export function scriptedMesh(providers: ScriptedProvider[], clock: Clock, pool: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const events: MeshEvent[] = [];
  const mesh = create({
    config: {
      providers: Object.fromEntries(providers.map((provider) => [provider.id, { instance: provider }])),
      pools: { chat: { capability: "chat-completion", strategy: "stick-until-failure", ...pool } },
      ...extra,
    },
    clock,
    observability: { instance: new CallbackObservability({ callback: (event) => void events.push(event), logLevel: "full", minSeverity: "debug" }) },
  } as Parameters<typeof create>[0]);
  const model = (name: string, poolName = "chat") => mesh.describe().pools[poolName]!.models.find((entry) => entry.model === name)!;
  const ofType = <Type extends MeshEvent["type"]>(type: Type) => events.filter((event): event is Extract<MeshEvent, { type: Type }> => event.type === type);
  return { mesh, events, model, ofType };
}

export const hello = [{ role: "user" as const, content: "Hello there" }];
export { testClock };
