/**
 * `ollama.local.v1`: Ollama (ollama.com): chat and embeddings from the models pulled into it (`ollama pull`); its OpenAI-compatible API is under `/v1` (docs: ollama.com/blog/openai-compatibility).
 * Keyless and priced at zero; the model list comes from the server (see `LocalServerProvider`).
 */
import type { OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { LocalServerProvider } from "./local-server.js";

/**
 * OllamaProvider: a local OpenAI-compatible server; models are read from it at start unless `models` lists them.
 * @example
 * const local = new OllamaProvider({ baseUrl: "http://localhost:11434/v1" });
 * await local.loadModels(); // what the mesh does at start
 * local.listModels().map((model) => model.id);
 */
export class OllamaProvider extends LocalServerProvider {
  static override connectorId = "ollama.local.v1";
  static override shortName = "ollama";
  static override baseUrlEnvVar = "OLLAMA_BASE_URL";
  static override defaultBaseUrl = "http://localhost:11434/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super(config, OllamaProvider.defaultBaseUrl, ["chat", "embeddings"]);
  }
}
