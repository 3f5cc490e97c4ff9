export { IndexedDBStorage, type IndexedDBStorageConfig } from "../storage/indexeddb.js";
