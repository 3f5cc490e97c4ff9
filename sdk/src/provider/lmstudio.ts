/**
 * `lmstudio.local.v1`: LM Studio's local server (lmstudio.ai/docs, "OpenAI Compatibility API"): chat and embeddings from the models loaded in the app.
 * Keyless and priced at zero; the model list comes from the server (see `LocalServerProvider`).
 */
import type { OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { LocalServerProvider } from "./local-server.js";

/**
 * LMStudioProvider: a local OpenAI-compatible server; models are read from it at start unless `models` lists them.
 * @example
 * const local = new LMStudioProvider({ baseUrl: "http://localhost:1234/v1" });
 * await local.loadModels(); // what the mesh does at start
 * local.listModels().map((model) => model.id);
 */
export class LMStudioProvider extends LocalServerProvider {
  static override connectorId = "lmstudio.local.v1";
  static override shortName = "lmstudio";
  static override baseUrlEnvVar = "LMSTUDIO_BASE_URL";
  static override defaultBaseUrl = "http://localhost:1234/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super(config, LMStudioProvider.defaultBaseUrl, ["chat", "embeddings"]);
  }
}
