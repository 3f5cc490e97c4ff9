/**
 * Together AI (`together.api.v1`): configuration of `OpenAICompatibleProvider` (`https://api.together.xyz/v1`, with
 * or without `/v1`). Chat, embeddings and image generation (`/images/generations`, FLUX models; answers carry no
 * `created`, which is filled in so the body stays OpenAI's `ImagesResponse`). Model ids are `org/model`.
 * Prices: USD per million tokens (images per megapixel-priced step counts are quoted per image at 1024×1024 and 4
 * steps), together.ai/pricing as quoted by third-party price trackers on the `readAt` date.
 */
import { configWithVersion } from "./content-parts.js";
import { OpenAICompatibleProvider, type OpenAICompatibleConfigInput } from "./openai-compatible.js";
import type { ModelInfo } from "./provider.js";
import { chatModel } from "./chat-model.js";

const EMBEDDINGS = "representation.embeddings.text-embeddings";
const TEXT_TO_IMAGE = "generation.image-generation.text-to-image";
const READ_AT = "2026-12-01";

/**
 * Together's built-in model list; discovery (`fetchModelList`) adds the rest of its catalogue.
 * @example
 * TOGETHER_MODELS.map((model) => model.id);
 */
export const TOGETHER_MODELS: readonly ModelInfo[] = Object.freeze([
  chatModel({ id: "meta-llama/Llama-3.3-70B-Instruct-Turbo", input: 0.88, output: 0.88, contextWindow: 131_072, vision: false, readAt: READ_AT }),
  chatModel({ id: "Qwen/Qwen2.5-72B-Instruct-Turbo", input: 1.2, output: 1.2, contextWindow: 32_768, vision: false, readAt: READ_AT }),
  chatModel({ id: "deepseek-ai/DeepSeek-V3", input: 1.25, output: 1.25, contextWindow: 131_072, vision: false, readAt: READ_AT }),
  { id: "BAAI/bge-large-en-v1.5", capabilities: [EMBEDDINGS], contextWindow: 512, pricing: { input: 0.02, readAt: READ_AT } },
  { id: "togethercomputer/m2-bert-80M-32k-retrieval", capabilities: [EMBEDDINGS], contextWindow: 32_768, pricing: { input: 0.008, readAt: READ_AT } },
  { id: "black-forest-labs/FLUX.1-schnell", capabilities: [TEXT_TO_IMAGE], pricing: { perImage: 0.0027, readAt: READ_AT } },
]);

/**
 * Together AI: open-weight chat, embedding and image models.
 * @example
 * const together = new TogetherProvider({ apiKey: process.env.TOGETHER_API_KEY });
 * const { body } = await together.images({ model: "black-forest-labs/FLUX.1-schnell", prompt: "a lighthouse", response_format: "b64_json" });
 */
export class TogetherProvider extends OpenAICompatibleProvider {
  static override connectorId = "together.api.v1";
  static override shortName = "together";
  static override envVars: readonly string[] = ["TOGETHER_API_KEY"];
  static override baseUrlEnvVar = "TOGETHER_BASE_URL";
  static override defaultBaseUrl = "https://api.together.xyz/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super({ operations: ["chat", "embeddings", "images"], ...configWithVersion(config, TogetherProvider.defaultBaseUrl, "/v1") });
  }

  protected override defaultModels(): ModelInfo[] {
    return TOGETHER_MODELS.map((model) => ({ ...model }));
  }
}
