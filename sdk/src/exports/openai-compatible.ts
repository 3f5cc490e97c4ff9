export {
  OpenAICompatibleProvider,
  createOpenAICompatibleConfig,
  type OpenAICompatibleConfig,
  type OpenAICompatibleConfigInput,
} from "../provider/openai-compatible.js";
