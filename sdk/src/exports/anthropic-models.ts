export { ANTHROPIC_MODELS } from "../provider/anthropic/models.js";
