// The options page: one section per job, each loading its own data through `sendAdmin`. The configuration is loaded
// once here because two sections edit it (pools and budget; content logging).
import { useState } from "preact/hooks";
import type { ExtensionConfig } from "../shared/protocol.js";
import type { SendAdmin } from "../ui/admin-client.js";
import { useLoad } from "../ui/use-load.js";
import { ActivitySection } from "./activity-section.js";
import { KeysSection } from "./keys-section.js";
import { PoolsSection } from "./pools-section.js";
import { SitesSection } from "./sites-section.js";
import { SpendSection } from "./spend-section.js";
import { YamlSection } from "./yaml-section.js";

const SECTIONS = [
  ["keys", "API keys"],
  ["pools", "Pools and budget"],
  ["sites", "Allowed sites"],
  ["spend", "Spend"],
  ["activity", "Activity"],
  ["yaml", "Import and export"],
] as const;

/**
 * The whole options page.
 * @example
 * render(<OptionsApp sendAdmin={browserSendAdmin()} />, document.getElementById("app")!);
 */
export function OptionsApp({ sendAdmin }: { sendAdmin: SendAdmin }) {
  const loaded = useLoad(() => sendAdmin("config.get", {}), [sendAdmin]);
  // The last configuration the worker accepted; sections replace it after a successful save.
  const [saved, setSaved] = useState<ExtensionConfig | undefined>(undefined);
  const config = saved ?? loaded.value;
  const reloadConfig = async () => {
    setSaved(undefined);
    await loaded.reload();
  };
  return (
    <div class="page">
      <header>
        <h1>ModelMesh</h1>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map(([id, title]) => (
              <li key={id}>
                <a href={`#${id}`}>{title}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main>
        <KeysSection sendAdmin={sendAdmin} config={config} onConfigChanged={reloadConfig} />
        {loaded.error && (
          <p role="alert" class="error">
            Could not load the configuration: {loaded.error}
          </p>
        )}
        {config && <PoolsSection sendAdmin={sendAdmin} config={config} onSaved={setSaved} />}
        <SitesSection sendAdmin={sendAdmin} />
        <SpendSection sendAdmin={sendAdmin} />
        {config && <ActivitySection sendAdmin={sendAdmin} config={config} onSaved={setSaved} />}
        <YamlSection sendAdmin={sendAdmin} onImported={reloadConfig} />
      </main>
    </div>
  );
}
