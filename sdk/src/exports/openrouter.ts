export { OPENROUTER_MODELS, OpenRouterProvider, type OpenRouterConfigInput } from "../provider/openrouter.js";
