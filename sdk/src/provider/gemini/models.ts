/**
 * Gemini models served by the Gemini API (generativelanguage.googleapis.com). Prices are USD per million tokens
 * for prompts up to 200k tokens, from ai.google.dev/gemini-api/docs/pricing; thinking tokens bill as output.
 */
import type { ModelInfo } from "../provider.js";

const CHAT = "generation.text-generation.chat-completion";
const CODE = "generation.text-generation.code-generation";
const EMBEDDINGS = "representation.embeddings.text-embeddings";
const READ_AT = "2026-12-01";

const gemini = (id: string, input: number, output: number): ModelInfo => ({
  id,
  capabilities: [CHAT, CODE],
  contextWindow: 1_048_576,
  maxOutputTokens: 65_536,
  features: { tools: true, vision: true, jsonMode: true, streaming: true },
  pricing: { input, output, readAt: READ_AT },
});

/**
 * Gemini's built-in model list. Configuration `models` overrides (same id) or extends it.
 * @example
 * GEMINI_MODELS.find((model) => model.id === "gemini-2.5-flash")?.pricing; // { input: 0.3, output: 2.5, readAt: ... }
 */
export const GEMINI_MODELS: readonly ModelInfo[] = Object.freeze([
  gemini("gemini-2.5-pro", 1.25, 10),
  gemini("gemini-2.5-flash", 0.3, 2.5),
  gemini("gemini-2.5-flash-lite", 0.1, 0.4),
  { id: "gemini-embedding-001", capabilities: [EMBEDDINGS], contextWindow: 2_048, pricing: { input: 0.15, readAt: READ_AT } },
]);
