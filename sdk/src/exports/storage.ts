export { BaseStorage, type StorageEntry, type BaseStorageConfig } from "../storage/storage.js";
