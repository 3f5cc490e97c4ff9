/**
 * `vllm.local.v1`: vLLM's OpenAI-compatible server (`vllm serve MODEL`): chat, and embeddings for pooling models; a key is sent only when configured (the server's `--api-key`). Its errors are `{object: "error", message, type, code}`.
 * Keyless and priced at zero; the model list comes from the server (see `LocalServerProvider`).
 */
import type { OpenAICompatibleConfigInput } from "./openai-compatible.js";
import { LocalServerProvider } from "./local-server.js";

/**
 * VLLMProvider: a local OpenAI-compatible server; models are read from it at start unless `models` lists them.
 * @example
 * const local = new VLLMProvider({ baseUrl: "http://localhost:8000/v1" });
 * await local.loadModels(); // what the mesh does at start
 * local.listModels().map((model) => model.id);
 */
export class VLLMProvider extends LocalServerProvider {
  static override connectorId = "vllm.local.v1";
  static override shortName = "vllm";
  static override baseUrlEnvVar = "VLLM_BASE_URL";
  static override defaultBaseUrl = "http://localhost:8000/v1";

  constructor(config: OpenAICompatibleConfigInput = {}) {
    super(config, VLLMProvider.defaultBaseUrl, ["chat", "embeddings"]);
  }
}
