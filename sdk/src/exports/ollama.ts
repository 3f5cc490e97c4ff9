export { OllamaProvider } from "../provider/ollama.js";
