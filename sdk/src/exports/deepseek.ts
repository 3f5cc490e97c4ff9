export { DEEPSEEK_MODELS, DeepSeekProvider } from "../provider/deepseek.js";
