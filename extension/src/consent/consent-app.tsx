import { useEffect, useState } from "preact/hooks";
import type { ConsentDecision, PageMethod, SiteBudgetRequest } from "../shared/protocol.ts";
import { callAdmin, type SendMessage } from "../shared/admin-client.ts";

type Request = { origin: string; method: PageMethod; requestedBudget?: SiteBudgetRequest };

const METHOD_LABELS: Record<PageMethod, string> = {
  "chat.completions.create": "chat completions",
  "embeddings.create": "embeddings",
  "audio.speech.create": "text to speech",
  "audio.transcriptions.create": "speech to text",
  "images.generate": "image generation",
  "models.list": "the list of available models",
};

const usd = (value: number | undefined) => (value === undefined ? "no limit" : `$${value.toFixed(2)}`);

/**
 * The consent window: which site asks, for what, with which budget; the person allows once, always (with a daily
 * budget they may change) or denies. Closing the window refuses the request.
 * @example
 * render(<ConsentApp consentId={id} send={chrome.runtime.sendMessage} />, root);
 */
export function ConsentApp({ consentId, send }: { consentId: string; send: SendMessage }) {
  const [request, setRequest] = useState<Request | null | undefined>(undefined);
  const [daily, setDaily] = useState("");
  const [error, setError] = useState("");
  const [done, setDone] = useState(false);

  useEffect(() => {
    callAdmin(send, "consent.get", { consentId }).then(
      (found) => {
        setRequest(found);
        if (found?.requestedBudget?.dailyLimit !== undefined) setDaily(String(found.requestedBudget.dailyLimit));
      },
      (failure: Error) => setError(failure.message),
    );
  }, [consentId]);

  const decide = async (decision: ConsentDecision) => {
    const dailyLimit = daily.trim() === "" ? undefined : Number(daily);
    if (dailyLimit !== undefined && !(Number.isFinite(dailyLimit) && dailyLimit >= 0)) return setError("The daily budget must be a number of dollars, 0 or more.");
    const budget = { ...(dailyLimit !== undefined ? { dailyLimit } : {}), ...(request?.requestedBudget?.monthlyLimit !== undefined ? { monthlyLimit: request.requestedBudget.monthlyLimit } : {}) };
    try {
      await callAdmin(send, "consent.decide", { consentId, decision, budget });
      setDone(true);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  if (error && !request) return <main class="consent"><h1>ModelMesh</h1><p role="alert">{error}</p></main>;
  if (request === undefined) return <main class="consent"><h1>ModelMesh</h1><p>Loading…</p></main>;
  if (request === null || done) return <main class="consent"><h1>ModelMesh</h1><p>{done ? "Saved. You can close this window." : "This request is no longer waiting for an answer."}</p></main>;
  return (
    <main class="consent">
      <h1>Allow this site to use your AI keys?</h1>
      <p class="origin" data-testid="origin">{request.origin}</p>
      <p>
        wants to use <strong data-testid="method">{METHOD_LABELS[request.method]}</strong> through ModelMesh. Your keys stay in the extension: the site only
        gets the answers.
      </p>
      <dl>
        <dt>Budget the site asked for</dt>
        <dd data-testid="requested-budget">
          {usd(request.requestedBudget?.dailyLimit)} a day{request.requestedBudget?.monthlyLimit !== undefined ? `, ${usd(request.requestedBudget.monthlyLimit)} a month` : ""}
        </dd>
      </dl>
      <label>
        Daily budget for this site (USD, empty for none)
        <input name="daily" inputMode="decimal" value={daily} onInput={(event) => setDaily((event.target as HTMLInputElement).value)} />
      </label>
      {error && <p role="alert">{error}</p>}
      <div class="actions">
        <button type="button" onClick={() => decide("always")}>Always allow</button>
        <button type="button" onClick={() => decide("once")}>Allow once</button>
        <button type="button" class="deny" onClick={() => decide("deny")}>Deny</button>
      </div>
    </main>
  );
}
