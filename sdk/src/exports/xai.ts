export { XAI_MODELS, XAIProvider } from "../provider/xai.js";
