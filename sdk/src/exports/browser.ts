export { BrowserBaseProvider, createBrowserProviderConfig, type BrowserProviderConfigInput } from "../provider/browser.js";
