import type { BaseRotationPolicy } from "../rotation/rotation.js";
import type { ModelState } from "./model-state.js";
import type { PoolSettings } from "./config.js";
import type { ProviderOperation } from "../provider/provider.js";
import type { ChatCompletionCreateParams, ChatContentPart } from "./types.js";

/** What a request needs from a model. */
export interface RequestFeatures {
  operation: ProviderOperation;
  tools: boolean;
  vision: boolean;
  jsonMode: boolean;
  stream: boolean;
  estimatedInputTokens: number;
  /** For cost ranking: the request's max tokens, or a typical answer length when it sets none. */
  estimatedOutputTokens: number;
  /** What the request reserves for the answer (max_tokens), counted against the context window. */
  reservedOutputTokens: number;
}

/** Rough token count (4 characters a token): good enough to rank costs and check context windows. */
export function estimateTokens(value: unknown): number {
  if (typeof value === "string") return Math.ceil(value.length / 4);
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + estimateTokens(item), 0);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.text === "string") return estimateTokens(record.text);
    if (record.type === "image_url") return 765; // a high-detail 512px tile, OpenAI's published figure
    return estimateTokens(record.content) + 4;
  }
  return 0;
}

const hasImage = (content: unknown) => Array.isArray(content) && content.some((part: ChatContentPart) => part?.type === "image_url");

export function chatFeatures(body: ChatCompletionCreateParams): RequestFeatures {
  const formatType = body.response_format?.type;
  return {
    operation: "chat",
    tools: Array.isArray(body.tools) && body.tools.length > 0,
    vision: Array.isArray(body.messages) && body.messages.some((message) => hasImage(message?.content)),
    jsonMode: formatType === "json_object" || formatType === "json_schema",
    stream: body.stream === true,
    estimatedInputTokens: estimateTokens(body.messages),
    estimatedOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? 256,
    reservedOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? 0,
  };
}

export function simpleFeatures(operation: ProviderOperation, input: unknown): RequestFeatures {
  return { operation, tools: false, vision: false, jsonMode: false, stream: false, estimatedInputTokens: estimateTokens(input), estimatedOutputTokens: 0, reservedOutputTokens: 0 };
}

/** Why a model cannot serve a request, or undefined when it can. */
export function unfitReason(state: ModelState, features: RequestFeatures, supports: (operation: ProviderOperation) => boolean): string | undefined {
  const { features: modelFeatures, contextWindow } = state.info;
  if (!supports(features.operation)) return `cannot serve ${features.operation}`;
  if (features.tools && modelFeatures?.tools === false) return "no tool calling";
  if (features.vision && modelFeatures?.vision === false) return "no image input";
  if (features.jsonMode && modelFeatures?.jsonMode === false) return "no JSON mode";
  if (features.stream && modelFeatures?.streaming === false) return "no streaming";
  if (contextWindow && features.estimatedInputTokens + features.reservedOutputTokens > contextWindow)
    return `request (~${features.estimatedInputTokens} tokens) exceeds its ${contextWindow}-token context window`;
  return undefined;
}

/** A named group of models that can serve one capability, with its own strategy and retry settings. */
export class Pool {
  constructor(
    readonly name: string,
    readonly capability: string,
    readonly members: readonly ModelState[],
    readonly policy: BaseRotationPolicy,
    readonly settings: PoolSettings,
    /** True for pools built on demand for a capability or a model id, rather than configured. */
    readonly implicit: boolean,
  ) {}

  /** Members that can serve these features, in pool order, whatever their health (the policy filters that). */
  fitting(features: RequestFeatures, supports: (state: ModelState, operation: ProviderOperation) => boolean): ModelState[] {
    return this.members.filter((state) => unfitReason(state, features, (operation) => supports(state, operation)) === undefined);
  }

  status(now: number): { active: number; standby: number; total: number } {
    const active = this.members.filter((state) => this.policy.isAvailable(state, now)).length;
    return { active, standby: this.members.length - active, total: this.members.length };
  }
}
