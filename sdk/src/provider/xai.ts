/**
 * xAI (`xai.grok.v1`): configuration of `OpenAICompatibleProvider` (`https://api.x.ai/v1`, with or without `/v1`).
 * Quirk: a wrong or revoked key is answered `400` with `{"code": "Client specified an invalid argument", "error":
 * "Incorrect API key provided: ..."}` (as users' reports of that body show), not `401`; it is re-filed as the
 * `AuthenticationError` a 401 is, so the key is taken out instead of the request being blamed on the caller.
 * Prices: USD per million tokens, docs.x.ai/docs/models as quoted by third-party price trackers on the `readAt` date.
 */
import { configWithVersion } from "./content-parts.js";
import { fromResponse } from "./error-factory.js";
import { OpenAICompatibleProvider, type OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { ProviderError } from "../wire/errors.js";
import { isRecord } from "./provider-config.js";
import type { ModelInfo } from "./provider.js";
import { chatModel } from "./chat-model.js";

const READ_AT = "2026-12-01";

/**
 * xAI's built-in model list.
 * @example
 * XAI_MODELS.map((model) => model.id); // ["grok-4", "grok-3-mini", "grok-code-fast-1"]
 */
export const XAI_MODELS: readonly ModelInfo[] = Object.freeze([
  chatModel({ id: "grok-4", input: 3, output: 15, contextWindow: 256_000, vision: true, readAt: READ_AT }),
  chatModel({ id: "grok-3-mini", input: 0.3, output: 0.5, contextWindow: 131_072, vision: false, readAt: READ_AT }),
  chatModel({ id: "grok-code-fast-1", input: 0.2, output: 1.5, contextWindow: 256_000, vision: false, readAt: READ_AT }),
]);

/** True for xAI's key rejection, which arrives as a 400. */
function isKeyRejection(body: unknown): boolean {
  return isRecord(body) && typeof body.error === "string" && /incorrect api key|invalid api key|no api key/i.test(body.error);
}

/**
 * xAI's Grok models.
 * @example
 * const xai = new XAIProvider({ apiKey: process.env.XAI_API_KEY });
 * const { body } = await xai.chat({ model: "grok-3-mini", messages: [{ role: "user", content: "Hi" }] });
 */
export class XAIProvider extends OpenAICompatibleProvider {
  static override connectorId = "xai.grok.v1";
  static override shortName = "xai";
  static override envVars: readonly string[] = ["XAI_API_KEY"];
  static override baseUrlEnvVar = "XAI_BASE_URL";
  static override defaultBaseUrl = "https://api.x.ai/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super({ operations: ["chat"], ...configWithVersion(config, XAIProvider.defaultBaseUrl, "/v1") });
  }

  protected override defaultModels(): ModelInfo[] {
    return XAI_MODELS.map((model) => ({ ...model }));
  }

  protected override async _send(options: Parameters<OpenAICompatibleProvider["_send"]>[0]): ReturnType<OpenAICompatibleProvider["_send"]> {
    try {
      return await super._send(options);
    } catch (error) {
      if (!(error instanceof ProviderError) || error.status !== 400 || !isKeyRejection(error.body)) throw error;
      throw fromResponse(401, error.body, error.headers ?? {}, { providerId: this.id, ...(options.modelId === undefined ? {} : { modelId: options.modelId }), secrets: this._secrets() });
    }
  }
}
