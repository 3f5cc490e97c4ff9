export { GEMINI_MODELS } from "../provider/gemini/models.js";
