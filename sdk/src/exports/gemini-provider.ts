export { GeminiProvider } from "../provider/gemini/provider.js";
