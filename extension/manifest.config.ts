import { defineManifest } from "@crxjs/vite-plugin";

// The provider API hosts the worker may call. Host permissions are what lets an extension's fetch skip CORS; the
// list is the seven built-in providers' default base URLs plus the loopback hosts (local models, the CORS proxy, tests).
export const PROVIDER_HOSTS = [
  "https://api.openai.com/*",
  "https://api.anthropic.com/*",
  "https://generativelanguage.googleapis.com/*",
  "https://api.groq.com/*",
  "https://api.mistral.ai/*",
  "https://api.deepseek.com/*",
  "https://openrouter.ai/*",
];

/**
 * The MV3 manifest: a module service worker, one standalone content script at `document_start` on http(s) pages,
 * the options page, the popup. Permissions are the minimum: `storage` for configuration and grants (`chrome.windows.create`,
 * which opens the consent window, needs none).
 * @example
 * crx({ manifest, contentScripts: { standaloneFiles: ["src/content/bridge.ts"] } })
 */
export const manifest = defineManifest({
  manifest_version: 3,
  name: "ModelMesh",
  description: "Holds your AI provider keys and serves the sites you allow, with per-site consent and budgets.",
  version: "0.1.0",
  minimum_chrome_version: "116",
  background: { service_worker: "src/background/index.ts", type: "module" },
  content_scripts: [
    {
      matches: ["http://*/*", "https://*/*"],
      js: ["src/content/bridge.ts"],
      run_at: "document_start",
      all_frames: true,
    },
  ],
  options_page: "src/options/index.html",
  action: { default_popup: "src/popup/index.html", default_title: "ModelMesh" },
  permissions: ["storage"],
  host_permissions: ["http://127.0.0.1/*", "http://localhost/*", ...PROVIDER_HOSTS],
});
