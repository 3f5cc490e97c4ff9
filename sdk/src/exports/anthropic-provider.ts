export { AnthropicProvider, ANTHROPIC_VERSION, type AnthropicConfigInput } from "../provider/anthropic/provider.js";
