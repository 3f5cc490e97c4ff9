export { ASSEMBLYAI_MODELS, AssemblyAIProvider, type AssemblyAIConfigInput } from "../provider/assemblyai.js";
