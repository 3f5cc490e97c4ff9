export { LocalAIProvider } from "../provider/localai.js";
