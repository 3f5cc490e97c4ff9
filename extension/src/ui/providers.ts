// The providers a person can give a key for on the options page, by the short names the SDK registers.

/**
 * One provider the options page offers a key for.
 * @example
 * const choice: ProviderChoice = { id: "groq", label: "Groq", needsBaseUrl: false };
 */
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
 * The capabilities a pool commonly serves, by the short names configuration accepts (any other name or dotted
 * path may be typed).
 * @example
 * CAPABILITIES[0] // "chat-completion" (generation.text-generation.chat-completion)
 */
export const CAPABILITIES: readonly string[] = ["chat-completion", "embeddings", "text-to-speech", "speech-to-text", "text-to-image"];
