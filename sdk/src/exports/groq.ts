export { GROQ_MODELS, GroqProvider } from "../provider/groq.js";
