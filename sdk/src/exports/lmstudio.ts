export { LMStudioProvider } from "../provider/lmstudio.js";
