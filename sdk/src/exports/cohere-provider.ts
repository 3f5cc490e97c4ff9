export { CohereProvider } from "../provider/cohere/provider.js";
