export { COHERE_MODELS } from "../provider/cohere/models.js";
