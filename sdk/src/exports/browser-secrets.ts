export { BrowserSecretStore, type BrowserSecretStoreConfig } from "../secrets/browser-secrets.js";
