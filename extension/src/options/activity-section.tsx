// What each site asked, which model answered and what it cost. Prompts and answers appear only when the person
// turned content logging on (off by default; the worker does not record them otherwise).
import { useState } from "preact/hooks";
import type { ExtensionConfig } from "../shared/protocol.js";
import { describeError, type SendAdmin } from "../ui/admin-client.js";
import { formatTime, formatUsd } from "../ui/format.js";
import { useLoad } from "../ui/use-load.js";

/**
 * The "Activity" section of the options page.
 * @example
 * <ActivitySection sendAdmin={sendAdmin} config={config} onSaved={setConfig} />
 */
export function ActivitySection({ sendAdmin, config, onSaved }: { sendAdmin: SendAdmin; config: ExtensionConfig; onSaved: (config: ExtensionConfig) => void }) {
  const [origin, setOrigin] = useState("");
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const sites = useLoad(() => sendAdmin("sites.list", {}), [sendAdmin]);
  const activity = useLoad(() => sendAdmin("activity.list", { ...(origin ? { origin } : {}), limit: 200 }), [sendAdmin, origin]);

  const toggleLogging = async (event: Event) => {
    const logContent = (event.currentTarget as HTMLInputElement).checked;
    setProblem(undefined);
    const next = { ...config, logContent };
    try {
      const { errors } = await sendAdmin("config.set", { config: next });
      if (errors.length > 0) setProblem(errors.join("; "));
      else onSaved(next);
    } catch (error) {
      setProblem(describeError(error));
    }
  };

  // Entries logged while content logging was on keep their content after it is turned off.
  const showContent = activity.value?.some((entry) => entry.prompt !== undefined || entry.answer !== undefined) ?? false;
  return (
    <section id="activity" aria-labelledby="activity-title" data-testid="activity-section">
      <h2 id="activity-title">Activity</h2>
      <div class="actions">
        <label>
          Site
          <select value={origin} onChange={(event) => setOrigin(event.currentTarget.value)} data-testid="activity-site">
            <option value="">All sites</option>
            {sites.value?.map((site) => (
              <option key={site.origin} value={site.origin}>
                {site.origin}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          <input type="checkbox" checked={config.logContent} onChange={toggleLogging} data-testid="log-content" />
          Log prompts and answers (off by default; kept only in this browser)
        </label>
        <button type="button" onClick={() => void activity.reload()}>
          Refresh
        </button>
      </div>
      {problem && (
        <p role="alert" class="error">
          Content logging not changed: {problem}
        </p>
      )}
      {activity.error && <p role="alert" class="error">Could not load the activity: {activity.error}</p>}
      {activity.value && activity.value.length === 0 && <p data-testid="activity-empty">Nothing yet.</p>}
      {activity.value && activity.value.length > 0 && (
        <div class="table-wrap">
          <table data-testid="activity-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Site</th>
                <th scope="col">Asked</th>
                <th scope="col">Model</th>
                <th scope="col" class="number">Cost</th>
                <th scope="col">Outcome</th>
                {showContent && <th scope="col">Content</th>}
              </tr>
            </thead>
            <tbody>
              {activity.value.map((entry, index) => (
                <tr key={`${entry.at}-${index}`} data-testid="activity-row">
                  <td>{formatTime(entry.at)}</td>
                  <td>{entry.origin}</td>
                  <td>{entry.method}</td>
                  <td>{entry.model ? `${entry.provider ? `${entry.provider} / ` : ""}${entry.model}` : "—"}</td>
                  <td class="number">{formatUsd(entry.cost)}</td>
                  <td>
                    <span class={entry.outcome === "ok" ? "ok" : "error"}>{entry.outcome}</span>
                    {entry.repeats ? <span class="muted"> ×{entry.repeats + 1} within a minute</span> : null}
                    {entry.error && <div class="muted">{entry.error}</div>}
                  </td>
                  {showContent && (
                    <td class="content">
                      {entry.prompt && <div><strong>Asked:</strong> {entry.prompt}</div>}
                      {entry.answer && <div><strong>Answer:</strong> {entry.answer}</div>}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
