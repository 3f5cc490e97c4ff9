export { TAVILY_MODELS, TavilyProvider } from "../provider/tavily.js";
