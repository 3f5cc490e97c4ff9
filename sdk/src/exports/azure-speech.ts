export { AZURE_SPEECH_MODELS, AzureSpeechProvider, type AzureSpeechConfigInput } from "../provider/azure-speech.js";
