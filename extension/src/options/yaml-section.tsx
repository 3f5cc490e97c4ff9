// Import and export of the configuration as YAML. Keys are never in it: the worker leaves them out of an export and
// an import cannot set one (they are saved only through the keys section, into the encrypted vault).
import { useState } from "preact/hooks";
import { describeError, type SendAdmin } from "../ui/admin-client.js";

/**
 * The "Import and export" section of the options page.
 * @example
 * <YamlSection sendAdmin={sendAdmin} onImported={reloadConfig} />
 */
export function YamlSection({ sendAdmin, onImported }: { sendAdmin: SendAdmin; onImported: () => Promise<void> }) {
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const exportYaml = async () => {
    setErrors([]);
    setNotice(undefined);
    try {
      const { yaml } = await sendAdmin("config.export", {});
      setText(yaml);
      setNotice("Exported below (no keys in it).");
    } catch (error) {
      setErrors([describeError(error)]);
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: "application/yaml" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "modelmesh.yaml";
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };
  const readFile = async (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (file) setText(await file.text());
  };
  const importYaml = async () => {
    setBusy(true);
    setErrors([]);
    setNotice(undefined);
    try {
      const outcome = await sendAdmin("config.import", { yaml: text });
      if (outcome.errors.length > 0) {
        setErrors(outcome.errors);
      } else {
        setNotice("Imported; the mesh now uses it.");
        await onImported();
      }
    } catch (error) {
      setErrors([describeError(error)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section id="yaml" aria-labelledby="yaml-title" data-testid="yaml-section">
      <h2 id="yaml-title">Import and export</h2>
      <p class="hint" data-testid="yaml-no-keys">
        <strong>API keys are never part of the YAML</strong>: an export leaves them out and an import cannot set them. Add keys in the API keys
        section above.
      </p>
      <div class="actions">
        <button type="button" onClick={exportYaml} data-testid="yaml-export">
          Export configuration
        </button>
        <button type="button" onClick={download} disabled={!text} data-testid="yaml-download">
          Download as modelmesh.yaml
        </button>
        <label>
          Open a YAML file
          <input type="file" accept=".yaml,.yml,text/yaml,application/yaml" onChange={readFile} data-testid="yaml-file" />
        </label>
      </div>
      <label for="yaml-text">Configuration (YAML)</label>
      <textarea id="yaml-text" rows={12} spellcheck={false} value={text} onInput={(event) => setText(event.currentTarget.value)} data-testid="yaml-text" />
      <div class="actions">
        <button type="button" onClick={importYaml} disabled={busy || !text.trim()} data-testid="yaml-import">
          {busy ? "Importing…" : "Import this configuration"}
        </button>
        <span aria-live="polite">{notice && <span class="ok">{notice}</span>}</span>
      </div>
      {errors.length > 0 && (
        <div role="alert" class="error" data-testid="yaml-errors">
          <p>Not imported; the previous configuration is still in use:</p>
          <ul>
            {errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
