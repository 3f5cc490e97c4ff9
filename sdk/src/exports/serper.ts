export { SERPER_MODELS, SerperProvider } from "../provider/serper.js";
