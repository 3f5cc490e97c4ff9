export { ELEVENLABS_MODELS, ElevenLabsProvider, type ElevenLabsConfigInput } from "../provider/elevenlabs.js";
