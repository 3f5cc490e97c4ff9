import type { ModelInfo } from "./provider.js";

/** What a chat model of an OpenAI-compatible service is tagged with: chat, and code generation. */
export const CHAT_CAPABILITIES = ["generation.text-generation.chat-completion", "generation.text-generation.code-generation"] as const;

/**
 * One chat model of a built-in model list: tools, JSON mode and streaming, prices in USD per million tokens read on
 * `readAt` (when the price table was checked against the service's page).
 * @example
 * chatModel({ id: "mistral-small-latest", input: 0.1, output: 0.3, contextWindow: 128_000, vision: true, readAt: "2026-12-01" });
 */
export function chatModel(model: { id: string; input: number; output: number; contextWindow: number; maxOutputTokens?: number; vision: boolean; readAt: string }): ModelInfo {
  return {
    id: model.id,
    capabilities: [...CHAT_CAPABILITIES],
    contextWindow: model.contextWindow,
    ...(model.maxOutputTokens === undefined ? {} : { maxOutputTokens: model.maxOutputTokens }),
    features: { tools: true, vision: model.vision, jsonMode: true, streaming: true },
    pricing: { input: model.input, output: model.output, readAt: model.readAt },
  };
}
