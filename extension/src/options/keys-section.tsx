// Keys per provider: typed into a password field, sent once with `keys.set`, and gone from the page afterwards.
// The page only ever holds `KeyInfo` (whether a key exists, its base URL, its last test), never a key.
import { useState } from "preact/hooks";
import type { ExtensionConfig, KeyInfo, KeyTestResult } from "../shared/protocol.js";
import { describeError, type SendAdmin } from "../ui/admin-client.js";
import { formatTime, parseList } from "../ui/format.js";
import { PROVIDERS, type ProviderChoice } from "../ui/providers.js";
import { useLoad } from "../ui/use-load.js";
import { providerModelIds, withProviderModels } from "./mesh-draft.js";

/**
 * What the keys section needs.
 * @example
 * const props: KeysSectionProps = { sendAdmin, config, onConfigChanged: reloadConfig };
 */
export interface KeysSectionProps {
  sendAdmin: SendAdmin;
  /** The stored configuration, for the model list of a provider that needs one (an OpenAI-compatible server). */
  config?: ExtensionConfig;
  /** Called after this section changed the configuration (it saves that model list). */
  onConfigChanged?: () => Promise<void>;
}

/**
 * The "API keys" section of the options page.
 * @example
 * <KeysSection sendAdmin={sendAdmin} config={config} onConfigChanged={reloadConfig} />
 */
export function KeysSection({ sendAdmin, config, onConfigChanged }: KeysSectionProps) {
  const keys = useLoad(() => sendAdmin("keys.list", {}), [sendAdmin]);
  const infoOf = (provider: string) => keys.value?.find((info) => info.provider === provider);
  return (
    <section id="keys" aria-labelledby="keys-title" data-testid="keys-section">
      <h2 id="keys-title">API keys</h2>
      <p class="hint">
        Keys are encrypted in this browser and used only by the extension's service worker. After you save a key, this page never shows it
        again; to change one, save a new one.
      </p>
      {keys.error && <p role="alert" class="error">Could not load the keys: {keys.error}</p>}
      <div class="key-list">
        {PROVIDERS.map((provider) => (
          <KeyRow
            key={provider.id}
            provider={provider}
            info={infoOf(provider.id)}
            models={config ? providerModelIds(config.mesh, provider.id) : []}
            sendAdmin={sendAdmin}
            onChange={keys.reload}
            onConfigChanged={onConfigChanged}
          />
        ))}
      </div>
    </section>
  );
}

function TestOutcome({ result }: { result: KeyTestResult }) {
  return result.ok ? (
    <span class="ok" data-testid="key-test-result" data-ok="true">
      Works: {result.latencyMs} ms{result.model ? `, ${result.model}` : ""} <span class="muted">({formatTime(result.at)})</span>
    </span>
  ) : (
    <span class="error" data-testid="key-test-result" data-ok="false">
      Failed: {result.error ?? "no reason given"} <span class="muted">({formatTime(result.at)})</span>
    </span>
  );
}

interface KeyRowProps {
  provider: ProviderChoice;
  info?: KeyInfo;
  /** The models configured for this provider (shown for a provider that needs a list). */
  models: string[];
  sendAdmin: SendAdmin;
  onChange: () => Promise<void>;
  onConfigChanged?: () => Promise<void>;
}

function KeyRow({ provider, info, models, sendAdmin, onChange, onConfigChanged }: KeyRowProps) {
  const [busy, setBusy] = useState<"" | "save" | "test" | "remove">("");
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [testResult, setTestResult] = useState<KeyTestResult | undefined>(undefined);
  const fieldId = `key-${provider.id}`;
  const shownTest = testResult ?? info?.lastTest;

  const save = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const keyField = form.elements.namedItem("apiKey") as HTMLInputElement;
    const urlField = form.elements.namedItem("baseUrl") as HTMLInputElement | null;
    const modelsField = form.elements.namedItem("models") as HTMLInputElement | null;
    const apiKey = keyField.value.trim();
    setProblem(undefined);
    setNotice(undefined);
    if (!apiKey) return setProblem("Type a key first.");
    const baseUrl = urlField?.value.trim() || undefined;
    if (provider.needsBaseUrl && !baseUrl) return setProblem("This provider needs a base URL (for example http://localhost:8000/v1).");
    const modelIds = modelsField ? parseList(modelsField.value) : [];
    if (provider.needsBaseUrl && modelIds.length === 0) return setProblem("Name at least one model the server serves (for example llama3).");
    // The key leaves the DOM before the message goes out: whatever happens next, the page does not keep it.
    keyField.value = "";
    setBusy("save");
    try {
      if (provider.needsBaseUrl && modelIds.join(",") !== models.join(",")) {
        // The model list goes first: saving the key restarts the mesh, which must then find the provider's models.
        // The stored configuration is read now rather than the page's copy, which another section may have outdated.
        const current = await sendAdmin("config.get", {});
        const { errors } = await sendAdmin("config.set", { config: withProviderModels(current, provider.id, modelIds) });
        await onConfigChanged?.();
        if (errors.length > 0) {
          setProblem(`Not saved: the model list was refused: ${errors.join("; ")}`);
          return;
        }
      }
      await sendAdmin("keys.set", { provider: provider.id, apiKey, ...(baseUrl ? { baseUrl } : {}) });
      setTestResult(undefined);
      setNotice("Saved.");
      await onChange();
    } catch (error) {
      setProblem(`Not saved: ${describeError(error)}`);
    } finally {
      setBusy("");
    }
  };

  const test = async () => {
    setBusy("test");
    setProblem(undefined);
    setNotice(undefined);
    try {
      setTestResult(await sendAdmin("keys.test", { provider: provider.id }));
    } catch (error) {
      setProblem(`Test failed: ${describeError(error)}`);
    } finally {
      setBusy("");
    }
  };

  const remove = async () => {
    setBusy("remove");
    setProblem(undefined);
    setNotice(undefined);
    try {
      const { removed } = await sendAdmin("keys.remove", { provider: provider.id });
      setTestResult(undefined);
      setNotice(removed ? "Removed." : "There was no key to remove.");
      await onChange();
    } catch (error) {
      setProblem(`Not removed: ${describeError(error)}`);
    } finally {
      setBusy("");
    }
  };

  return (
    <form class="key-row" data-testid={`key-row-${provider.id}`} onSubmit={save} aria-labelledby={`${fieldId}-name`}>
      <div class="key-head">
        <h3 id={`${fieldId}-name`}>{provider.label}</h3>
        <span class={info?.hasKey ? "badge on" : "badge"} data-testid="key-state">
          {info?.hasKey ? "Key saved" : "No key"}
        </span>
        {info?.baseUrl && <span class="muted">{info.baseUrl}</span>}
      </div>
      <div class="fields">
        <label for={fieldId}>
          API key
          <input id={fieldId} name="apiKey" type="password" autocomplete="off" spellcheck={false} placeholder={info?.hasKey ? "Type a new key to replace it" : "Paste the key"} data-testid="key-input" />
        </label>
        {provider.needsBaseUrl && (
          <label for={`${fieldId}-url`}>
            Base URL
            <input id={`${fieldId}-url`} name="baseUrl" type="url" placeholder="http://localhost:8000/v1" defaultValue={info?.baseUrl ?? ""} data-testid="key-base-url" />
          </label>
        )}
        {provider.needsBaseUrl && (
          <label for={`${fieldId}-models`}>
            Models (comma-separated)
            <input id={`${fieldId}-models`} name="models" placeholder="llama3, qwen2.5" defaultValue={models.join(", ")} data-testid="key-models" />
          </label>
        )}
      </div>
      <div class="actions">
        <button type="submit" disabled={busy !== ""} data-testid="key-save">
          {busy === "save" ? "Saving…" : "Save key"}
        </button>
        <button type="button" onClick={test} disabled={busy !== "" || !info?.hasKey} data-testid="key-test">
          {busy === "test" ? "Testing…" : "Test"}
        </button>
        <button type="button" onClick={remove} disabled={busy !== "" || !info?.hasKey} data-testid="key-remove" class="danger">
          Remove
        </button>
      </div>
      <p class="status" aria-live="polite">
        {shownTest && <TestOutcome result={shownTest} />}
        {notice && <span class="ok"> {notice}</span>}
        {problem && (
          <span role="alert" class="error" data-testid="key-problem">
            {" "}
            {problem}
          </span>
        )}
      </p>
    </form>
  );
}
