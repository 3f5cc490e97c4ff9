/**
 * DeepSeek (`deepseek.api.v1`): configuration of `OpenAICompatibleProvider` (`https://api.deepseek.com`, with or
 * without `/v1`). `reasoning_content` (deepseek-reasoner's chain of thought) is kept in answers and stream deltas.
 * Quirk: DeepSeek answers 400 when an input message carries `reasoning_content`
 * (api-docs.deepseek.com/guides/reasoning_model), so it is removed from the history before sending.
 * Prefix completion (a trailing assistant message marked `prefix: true`, which the model continues) is served only
 * by the beta endpoint (`https://api.deepseek.com/beta`, api-docs.deepseek.com "Chat Prefix Completion (Beta)"): a
 * continuation is sent there, every other request to the base URL. So `deepseek-chat` continues a cut stream.
 * Prices: USD per million tokens (cache miss), api-docs.deepseek.com/quick_start/pricing, V3.2 prices.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from "../wire/types.js";
import { configWithVersion } from "./content-parts.js";
import { OpenAICompatibleProvider, type OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { joinUrl } from "./provider-config.js";
import type { ModelInfo, ProviderCallOptions, ProviderResult } from "./provider.js";

/** Marks a request that continues an assistant prefix, so the endpoint hook picks the beta URL (JSON drops symbols). */
const CONTINUATION = Symbol("deepseek-prefix-continuation");

const CHAT = "generation.text-generation.chat-completion";
const CODE = "generation.text-generation.code-generation";
const READ_AT = "2026-12-01";

/**
 * DeepSeek's built-in model list.
 * @example
 * DEEPSEEK_MODELS.map((model) => model.id); // ["deepseek-chat", "deepseek-reasoner"]
 */
export const DEEPSEEK_MODELS: readonly ModelInfo[] = Object.freeze([
  { id: "deepseek-chat", capabilities: [CHAT, CODE], contextWindow: 128_000, maxOutputTokens: 8_192, features: { tools: true, vision: false, jsonMode: true, streaming: true, assistantPrefix: true }, pricing: { input: 0.28, output: 0.42, readAt: READ_AT } },
  { id: "deepseek-reasoner", capabilities: [CHAT, CODE], contextWindow: 128_000, maxOutputTokens: 65_536, features: { tools: true, vision: false, jsonMode: true, streaming: true }, pricing: { input: 0.28, output: 0.42, readAt: READ_AT } },
]);

/**
 * DeepSeek's chat and reasoning models.
 * @example
 * const deepseek = new DeepSeekProvider({ apiKey: process.env.DEEPSEEK_API_KEY });
 * const { body } = await deepseek.chat({ model: "deepseek-reasoner", messages: [{ role: "user", content: "2+2?" }] });
 * body.choices[0]?.message.reasoning_content; // the model's reasoning, kept
 */
export class DeepSeekProvider extends OpenAICompatibleProvider {
  static override connectorId = "deepseek.api.v1";
  static override shortName = "deepseek";
  static override envVars: readonly string[] = ["DEEPSEEK_API_KEY"];
  static override baseUrlEnvVar = "DEEPSEEK_BASE_URL";
  static override defaultBaseUrl = "https://api.deepseek.com/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super({ operations: ["chat"], ...configWithVersion(config, DeepSeekProvider.defaultBaseUrl, "/v1") });
  }

  protected override defaultModels(): ModelInfo[] {
    return DEEPSEEK_MODELS.map((model) => ({ ...model }));
  }

  override chat(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<ChatCompletion>> {
    return super.chat(options?.continueAssistant ? { ...request, [CONTINUATION]: true } : request, options);
  }

  override chatStream(request: ChatCompletionCreateParams, options?: ProviderCallOptions): Promise<ProviderResult<AsyncIterable<ChatCompletionChunk>>> {
    return super.chatStream(options?.continueAssistant ? { ...request, [CONTINUATION]: true } : request, options);
  }

  protected override _getCompletionEndpoint(request?: ChatCompletionCreateParams): string {
    if (!request || !(request as { [CONTINUATION]?: boolean })[CONTINUATION]) return super._getCompletionEndpoint(request);
    // `.../v1` → `.../beta`: the same host, the beta path.
    return joinUrl(this._config.baseUrl.replace(/\/v1$/, "/beta"), "/chat/completions");
  }

  protected override _buildRequestPayload(request: ChatCompletionCreateParams): Record<string, unknown> {
    const messages = request.messages.map((message) => {
      if (!("reasoning_content" in message)) return message;
      const { reasoning_content: _reasoning, ...rest } = message;
      return rest;
    });
    return super._buildRequestPayload({ ...request, messages });
  }
}
