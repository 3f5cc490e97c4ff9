export { MemoryStorage } from "../storage/memory.js";
