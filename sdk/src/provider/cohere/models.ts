/**
 * Cohere's built-in model list. Prices: USD per million billed tokens (embeddings per million input tokens),
 * cohere.com/pricing as quoted by third-party price trackers on the `readAt` date.
 */
import type { ModelInfo } from "../provider.js";

const CHAT = ["generation.text-generation.chat-completion", "generation.text-generation.code-generation"];
const EMBEDDINGS = ["representation.embeddings.text-embeddings"];
const READ_AT = "2026-12-01";

const chat = (id: string, input: number, output: number, contextWindow: number, maxOutputTokens: number, vision = false): ModelInfo => ({
  id,
  capabilities: [...CHAT],
  contextWindow,
  maxOutputTokens,
  features: { tools: true, vision, jsonMode: true, streaming: true },
  pricing: { input, output, readAt: READ_AT },
});

/**
 * @example
 * COHERE_MODELS.map((model) => model.id);
 */
export const COHERE_MODELS: readonly ModelInfo[] = Object.freeze([
  chat("command-a-03-2025", 2.5, 10, 256_000, 8_000),
  chat("command-r-plus-08-2024", 2.5, 10, 128_000, 4_000),
  chat("command-r-08-2024", 0.15, 0.6, 128_000, 4_000),
  chat("command-r7b-12-2024", 0.0375, 0.15, 128_000, 4_000),
  chat("command-a-vision-07-2025", 2.5, 10, 128_000, 8_000, true),
  { id: "embed-v4.0", capabilities: [...EMBEDDINGS], contextWindow: 128_000, pricing: { input: 0.12, readAt: READ_AT } },
  { id: "embed-english-v3.0", capabilities: [...EMBEDDINGS], contextWindow: 512, pricing: { input: 0.1, readAt: READ_AT } },
  // $2 per 1,000 searches (a query over up to 100 documents).
  { id: "rerank-v3.5", capabilities: ["retrieval.reranking"], pricing: { perRequest: 0.002, readAt: READ_AT } },
  { id: "embed-multilingual-v3.0", capabilities: [...EMBEDDINGS], contextWindow: 512, pricing: { input: 0.1, readAt: READ_AT } },
]);
