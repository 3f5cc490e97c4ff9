export { JINA_MODELS, JinaProvider, type JinaConfigInput } from "../provider/jina/provider.js";
