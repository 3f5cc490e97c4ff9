export { MISTRAL_MODELS, MistralProvider } from "../provider/mistral.js";
