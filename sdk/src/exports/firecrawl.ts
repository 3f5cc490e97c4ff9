export { FIRECRAWL_MODELS, FirecrawlProvider } from "../provider/firecrawl.js";
