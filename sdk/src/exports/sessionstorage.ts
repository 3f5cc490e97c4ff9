export { SessionStorageStorage } from "../storage/sessionstorage.js";
