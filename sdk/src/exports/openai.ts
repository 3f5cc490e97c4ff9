export { OpenAIProvider } from "../provider/openai.js";
