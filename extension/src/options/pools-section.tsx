// Pools, their rotation strategy and the global budget, saved with `config.set`. When the worker refuses the new
// configuration, its errors are listed and the form keeps what the person typed; the running mesh keeps the old one.
import { useEffect, useState } from "preact/hooks";
import type { ExtensionConfig } from "../shared/protocol.js";
import { describeError, type SendAdmin } from "../ui/admin-client.js";
import { CAPABILITIES, STRATEGIES } from "../ui/providers.js";
import { applyDraft, draftOf, type MeshDraft, type PoolDraft } from "./mesh-draft.js";

/**
 * What a section that edits the stored configuration needs.
 * @example
 * const props: ConfigSectionProps = { sendAdmin, config, onSaved: setConfig };
 */
export interface ConfigSectionProps {
  sendAdmin: SendAdmin;
  /** The configuration the worker last accepted. */
  config: ExtensionConfig;
  onSaved: (config: ExtensionConfig) => void;
}

const emptyPool = (): PoolDraft => ({ name: "", capability: CAPABILITIES[0] ?? "", strategy: "stick-until-failure", providers: "", models: "", rest: {} });

/**
 * The "Pools and budget" section of the options page.
 * @example
 * <PoolsSection sendAdmin={sendAdmin} config={config} onSaved={setConfig} />
 */
export function PoolsSection({ sendAdmin, config, onSaved }: ConfigSectionProps) {
  const [draft, setDraft] = useState<MeshDraft>(() => draftOf(config.mesh));
  const [errors, setErrors] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => setDraft(draftOf(config.mesh)), [config]);

  const updatePool = (index: number, change: Partial<PoolDraft>) => {
    setSaved(false);
    setDraft((current) => ({ ...current, pools: current.pools.map((pool, at) => (at === index ? { ...pool, ...change } : pool)) }));
  };
  const removePool = (index: number) => setDraft((current) => ({ ...current, pools: current.pools.filter((_, at) => at !== index) }));
  const addPool = () => setDraft((current) => ({ ...current, pools: [...current.pools, emptyPool()] }));

  const save = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const applied = applyDraft(config.mesh, draft);
    if ("errors" in applied) return setErrors(applied.errors);
    const next: ExtensionConfig = { ...config, mesh: applied.mesh };
    setBusy(true);
    try {
      const outcome = await sendAdmin("config.set", { config: next });
      if (outcome.errors.length > 0) {
        setErrors(outcome.errors);
      } else {
        setErrors([]);
        setSaved(true);
        onSaved(next);
      }
    } catch (error) {
      setErrors([describeError(error)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section id="pools" aria-labelledby="pools-title" data-testid="pools-section">
      <h2 id="pools-title">Pools and budget</h2>
      <p class="hint">A pool groups the models that can serve one capability; its strategy picks which model answers next.</p>
      <form onSubmit={save} data-testid="pools-form">
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Pool</th>
                <th scope="col">Capability</th>
                <th scope="col">Strategy</th>
                <th scope="col">Providers</th>
                <th scope="col">Models</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {draft.pools.map((pool, index) => (
                <tr key={index} data-testid="pool-row">
                  <td>
                    <input aria-label={`Pool ${index + 1} name`} value={pool.name} onInput={(event) => updatePool(index, { name: event.currentTarget.value })} data-testid="pool-name" />
                  </td>
                  <td>
                    <input aria-label={`Pool ${index + 1} capability`} list="capabilities" value={pool.capability} onInput={(event) => updatePool(index, { capability: event.currentTarget.value })} data-testid="pool-capability" />
                  </td>
                  <td>
                    <select aria-label={`Pool ${index + 1} strategy`} value={pool.strategy} onChange={(event) => updatePool(index, { strategy: event.currentTarget.value })} data-testid="pool-strategy">
                      {!STRATEGIES.includes(pool.strategy) && <option value={pool.strategy}>{pool.strategy || "(default)"}</option>}
                      {STRATEGIES.map((strategy) => (
                        <option key={strategy} value={strategy}>
                          {strategy}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input aria-label={`Pool ${index + 1} providers`} placeholder="all" value={pool.providers} onInput={(event) => updatePool(index, { providers: event.currentTarget.value })} data-testid="pool-providers" />
                  </td>
                  <td>
                    <input aria-label={`Pool ${index + 1} models`} placeholder="all" value={pool.models} onInput={(event) => updatePool(index, { models: event.currentTarget.value })} data-testid="pool-models" />
                  </td>
                  <td>
                    <button type="button" class="danger" onClick={() => removePool(index)} aria-label={`Remove pool ${pool.name || index + 1}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <datalist id="capabilities">
          {CAPABILITIES.map((capability) => (
            <option key={capability} value={capability} />
          ))}
        </datalist>
        <p>
          <button type="button" onClick={addPool} data-testid="pool-add">
            Add a pool
          </button>
        </p>
        <fieldset>
          <legend>Global budget (US dollars, all sites together; empty means no limit)</legend>
          <label>
            Daily limit
            <input type="number" min="0" step="any" inputMode="decimal" value={draft.dailyLimit} onInput={(event) => { const dailyLimit = event.currentTarget.value; setDraft((current) => ({ ...current, dailyLimit })); }} data-testid="budget-daily" />
          </label>
          <label>
            Monthly limit
            <input type="number" min="0" step="any" inputMode="decimal" value={draft.monthlyLimit} onInput={(event) => { const monthlyLimit = event.currentTarget.value; setDraft((current) => ({ ...current, monthlyLimit })); }} data-testid="budget-monthly" />
          </label>
        </fieldset>
        <fieldset>
          <legend>Price of a model that has none (US dollars per million tokens; budgets need one to hold such a model to a limit)</legend>
          <label>
            Input
            <input type="number" min="0" step="any" inputMode="decimal" value={draft.defaultInputPrice ?? ""} onInput={(event) => { const defaultInputPrice = event.currentTarget.value; setDraft((current) => ({ ...current, defaultInputPrice })); }} data-testid="budget-default-input" />
          </label>
          <label>
            Output
            <input type="number" min="0" step="any" inputMode="decimal" value={draft.defaultOutputPrice ?? ""} onInput={(event) => { const defaultOutputPrice = event.currentTarget.value; setDraft((current) => ({ ...current, defaultOutputPrice })); }} data-testid="budget-default-output" />
          </label>
        </fieldset>
        <div class="actions">
          <button type="submit" disabled={busy} data-testid="config-save">
            {busy ? "Saving…" : "Save pools and budget"}
          </button>
          <span aria-live="polite">{saved && <span class="ok">Saved; the mesh now uses it.</span>}</span>
        </div>
        {errors.length > 0 && (
          <div role="alert" class="error" data-testid="config-errors">
            <p>Not saved; the previous configuration is still in use:</p>
            <ul>
              {errors.map((error) => (
                <li key={error}>{error}</li>
              ))}
            </ul>
          </div>
        )}
      </form>
    </section>
  );
}
