export { TOGETHER_MODELS, TogetherProvider } from "../provider/together.js";
