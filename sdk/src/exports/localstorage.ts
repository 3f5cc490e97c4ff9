export { LocalStorageStorage } from "../storage/localstorage.js";
