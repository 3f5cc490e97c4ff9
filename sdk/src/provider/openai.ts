/**
 * OpenAI (`openai.llm.v1`): configuration of `OpenAICompatibleProvider` plus the built-in model list.
 * Prices are USD as published on OpenAI's pricing page (per million tokens unless stated), cross-checked against
 * third-party price trackers on the `readAt` date; audio and image models also carry an estimated per-unit price
 * (OpenAI bills the newer ones by tokens and publishes the per-minute/per-image estimates used here).
 */
import { OpenAICompatibleProvider } from "./openai-compatible.js";
import type { OpenAICompatibleConfigInput } from "./openai-compatible.js";
import type { ModelInfo } from "./provider.js";

const CHAT = "generation.text-generation.chat-completion";
const CODE = "generation.text-generation.code-generation";
const EMBEDDINGS = "representation.embeddings.text-embeddings";
const TEXT_TO_SPEECH = "generation.audio-generation.text-to-speech";
const SPEECH_TO_TEXT = "understanding.audio-understanding.speech-to-text";
const TEXT_TO_IMAGE = "generation.image-generation.text-to-image";
const READ_AT = "2026-11-24";

const chat = (id: string, input: number, output: number, contextWindow: number, maxOutputTokens: number, vision = true): ModelInfo => ({
  id,
  capabilities: [CHAT, CODE],
  contextWindow,
  maxOutputTokens,
  features: { tools: true, vision, jsonMode: true, streaming: true },
  pricing: { input, output, readAt: READ_AT },
});

/**
 * OpenAI's built-in model list. Configuration `models` overrides (same id) or extends it.
 * @example
 * OPENAI_MODELS.find((model) => model.id === "gpt-4o-mini")?.pricing; // { input: 0.15, output: 0.6, readAt: ... }
 */
export const OPENAI_MODELS: readonly ModelInfo[] = Object.freeze([
  chat("gpt-4o", 2.5, 10, 128_000, 16_384),
  chat("gpt-4o-mini", 0.15, 0.6, 128_000, 16_384),
  chat("gpt-4.1", 2, 8, 1_047_576, 32_768),
  chat("gpt-4.1-mini", 0.4, 1.6, 1_047_576, 32_768),
  chat("gpt-4.1-nano", 0.1, 0.4, 1_047_576, 32_768),
  // o3-mini takes no image input.
  chat("o3-mini", 1.1, 4.4, 200_000, 100_000, false),
  { id: "text-embedding-3-small", capabilities: [EMBEDDINGS], contextWindow: 8_191, pricing: { input: 0.02, readAt: READ_AT } },
  { id: "text-embedding-3-large", capabilities: [EMBEDDINGS], contextWindow: 8_191, pricing: { input: 0.13, readAt: READ_AT } },
  // $15 and $30 per million characters.
  { id: "tts-1", capabilities: [TEXT_TO_SPEECH], pricing: { perCharacter: 0.000015, readAt: READ_AT } },
  { id: "tts-1-hd", capabilities: [TEXT_TO_SPEECH], pricing: { perCharacter: 0.00003, readAt: READ_AT } },
  // Billed $0.60/M input text tokens + $12/M audio tokens, published estimate $0.015 per minute (~900 characters).
  { id: "gpt-4o-mini-tts", capabilities: [TEXT_TO_SPEECH], pricing: { input: 0.6, output: 12, perCharacter: 0.000016, readAt: READ_AT } },
  // $0.006 per minute of audio.
  { id: "whisper-1", capabilities: [SPEECH_TO_TEXT], pricing: { perSecond: 0.0001, readAt: READ_AT } },
  { id: "gpt-4o-transcribe", capabilities: [SPEECH_TO_TEXT], pricing: { input: 2.5, output: 10, perSecond: 0.0001, readAt: READ_AT } },
  // Standard 1024x1024.
  { id: "dall-e-3", capabilities: [TEXT_TO_IMAGE], pricing: { perImage: 0.04, readAt: READ_AT } },
  // Billed by tokens ($5/M text in, $40/M image out); medium quality 1024x1024 is about $0.042 an image.
  { id: "gpt-image-1", capabilities: [TEXT_TO_IMAGE], pricing: { input: 5, output: 40, perImage: 0.042, readAt: READ_AT } },
]);

/**
 * OpenAI's API: chat (tools, vision, JSON mode, streaming with usage), embeddings, speech, transcription, images.
 * @example
 * const openai = new OpenAIProvider({ apiKey: process.env.OPENAI_API_KEY });
 * const { body } = await openai.chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
 */
export class OpenAIProvider extends OpenAICompatibleProvider {
  static override connectorId = "openai.llm.v1";
  static override shortName = "openai";
  static override envVars: readonly string[] = ["OPENAI_API_KEY"];
  static override baseUrlEnvVar = "OPENAI_BASE_URL";
  static override defaultBaseUrl = "https://api.openai.com/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super(config);
  }

  protected override defaultModels(): ModelInfo[] {
    return OPENAI_MODELS.map((model) => ({ ...model }));
  }
}
