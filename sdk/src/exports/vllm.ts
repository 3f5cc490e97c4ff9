export { VLLMProvider } from "../provider/vllm.js";
