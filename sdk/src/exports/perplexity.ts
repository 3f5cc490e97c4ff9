export { PERPLEXITY_MODELS, PerplexityProvider } from "../provider/perplexity.js";
