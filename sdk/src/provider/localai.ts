/**
 * `localai.local.v1`: LocalAI (localai.io): chat, embeddings, text to speech (`/audio/speech`), transcription (`/audio/transcriptions`) and images (`/images/generations`) from its installed models.
 * Keyless and priced at zero; the model list comes from the server (see `LocalServerProvider`).
 */
import type { OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { LocalServerProvider } from "./local-server.js";

/**
 * LocalAIProvider: a local OpenAI-compatible server; models are read from it at start unless `models` lists them.
 * @example
 * const local = new LocalAIProvider({ baseUrl: "http://localhost:8080/v1" });
 * await local.loadModels(); // what the mesh does at start
 * local.listModels().map((model) => model.id);
 */
export class LocalAIProvider extends LocalServerProvider {
  static override connectorId = "localai.local.v1";
  static override shortName = "localai";
  static override baseUrlEnvVar = "LOCALAI_BASE_URL";
  static override defaultBaseUrl = "http://localhost:8080/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super(config, LocalAIProvider.defaultBaseUrl, ["chat", "embeddings", "speech", "transcription", "images"]);
  }
}
