/**
 * Claude models served by the Messages API. Prices are USD per million tokens from Anthropic's pricing page
 * (platform.claude.com/docs/about-claude/pricing), context windows and maximum outputs from its model overview.
 */
import type { ModelInfo } from "../provider.js";
import { allowsPrefill } from "./prefill.js";

const CHAT = "generation.text-generation.chat-completion";
const CODE = "generation.text-generation.code-generation";
const READ_AT = "2026-12-01";

const claude = (id: string, input: number, output: number, contextWindow: number, maxOutputTokens: number): ModelInfo => ({
  id,
  capabilities: [CHAT, CODE],
  contextWindow,
  maxOutputTokens,
  // No JSON mode: the Messages API has no response_format, so JSON-mode requests are routed elsewhere. A model that
  // continues a trailing assistant message (prefill, up to Claude 4.5) finishes streams broken elsewhere.
  features: { tools: true, vision: true, jsonMode: false, streaming: true, ...(allowsPrefill(id) ? { assistantPrefix: true } : {}) },
  pricing: { input, output, readAt: READ_AT },
});

/**
 * Anthropic's built-in model list. Configuration `models` overrides (same id) or extends it.
 * @example
 * ANTHROPIC_MODELS.find((model) => model.id === "claude-haiku-4-5")?.pricing; // { input: 1, output: 5, readAt: ... }
 */
export const ANTHROPIC_MODELS: readonly ModelInfo[] = Object.freeze([
  claude("claude-opus-4-5", 5, 25, 200_000, 64_000),
  claude("claude-sonnet-4-5", 3, 15, 200_000, 64_000),
  claude("claude-haiku-4-5", 1, 5, 200_000, 64_000),
  claude("claude-opus-4-1", 15, 75, 200_000, 32_000),
  claude("claude-3-5-haiku-latest", 0.8, 4, 200_000, 8_192),
]);
