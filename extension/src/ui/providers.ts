// The providers a person can give a key for on the options page, by the short names the SDK registers.

export interface ProviderChoice {
  /** The SDK's short name (`KeyInfo.provider`). */
  id: string;
  label: string;
  /** The provider needs a base URL (an OpenAI-compatible server of the person's choosing). */
  needsBaseUrl: boolean;
}

/**
 * Every provider the options page offers, in the order it shows them.
 * @example
 * PROVIDERS.find((provider) => provider.id === "openai-compatible")?.needsBaseUrl // true
 */
export const PROVIDERS: readonly ProviderChoice[] = [
  { id: "openai", label: "OpenAI", needsBaseUrl: false },
  { id: "anthropic", label: "Anthropic", needsBaseUrl: false },
  { id: "gemini", label: "Google Gemini", needsBaseUrl: false },
  { id: "groq", label: "Groq", needsBaseUrl: false },
  { id: "mistral", label: "Mistral", needsBaseUrl: false },
  { id: "deepseek", label: "DeepSeek", needsBaseUrl: false },
  { id: "openrouter", label: "OpenRouter", needsBaseUrl: false },
  { id: "openai-compatible", label: "OpenAI-compatible server", needsBaseUrl: true },
];

/**
 * The rotation strategies a pool can use, by short name.
 * @example
 * STRATEGIES.includes("cost-first") // true
 */
export const STRATEGIES: readonly string[] = [
  "stick-until-failure",
  "cost-first",
  "latency-first",
  "round-robin",
  "load-balanced",
  "priority-selection",
  "rate-limit-aware",
  "session-stickiness",
];

/**
 * The capabilities a pool commonly serves (any other dotted path may be typed).
 * @example
 * CAPABILITIES[0] // "generation.text-generation.chat-completion"
 */
export const CAPABILITIES: readonly string[] = [
  "generation.text-generation.chat-completion",
  "representation.embeddings",
  "generation.audio-generation.text-to-speech",
  "understanding.audio-understanding.speech-to-text",
  "generation.image-generation.text-to-image",
];
