/**
 * The page: reads the provider settings from the form, keeps one client while they stay the same (so its pool
 * state and spend carry over between messages), streams each answer into the page chunk by chunk, and shows pool
 * status and spend after every request. Nothing here logs: the key is only in the form and in the client.
 */
import type { MeshClient } from "modelmesh/lazy";
import { createMesh } from "./mesh.js";
import { initialValues, PREFILLED_FIELDS, readSettings, sameProvider, type PageSettings } from "./settings.js";
import { renderPools, renderSpend } from "./view.js";
import "./style.css";

function element<Type extends Element>(selector: string): Type {
  const found = document.querySelector<Type>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
}

const form = element<HTMLFormElement>("#settings");
const answer = element<HTMLOutputElement>("#answer");
const answerState = element<HTMLElement>("#answer-state");
const errorLine = element<HTMLElement>("#error");
const sendButton = element<HTMLButtonElement>("#send");
const stopButton = element<HTMLButtonElement>("#stop");
const poolsBody = element<HTMLTableSectionElement>("#pools tbody");
const spendList = element<HTMLElement>("#spend");

const values = initialValues(new URLSearchParams(location.search));
for (const field of PREFILLED_FIELDS) (form.elements.namedItem(field) as HTMLInputElement).value = values[field];

let current: { settings: PageSettings; client: MeshClient } | undefined;
let running: AbortController | undefined;

async function clientFor(settings: PageSettings): Promise<MeshClient> {
  if (current && sameProvider(current.settings, settings)) return current.client;
  const previous = current;
  current = undefined;
  await previous?.client.close().catch(() => {});
  current = { settings, client: createMesh(settings) };
  return current.client;
}

function showStatus(client: MeshClient): void {
  renderPools(poolsBody, client);
  renderSpend(spendList, client.usage);
}

function setState(state: "idle" | "waiting" | "streaming" | "done" | "stopped" | "failed"): void {
  answerState.textContent = state;
  answerState.dataset.state = state;
  const busy = state === "waiting" || state === "streaming";
  sendButton.disabled = busy;
  stopButton.disabled = !busy;
}

async function send(): Promise<void> {
  const settings = readSettings(new FormData(form));
  const prompt = String(new FormData(form).get("prompt") ?? "").trim();
  errorLine.hidden = true;
  answer.textContent = "";
  setState("waiting");
  running = new AbortController();
  let client: MeshClient | undefined;
  try {
    client = await clientFor(settings);
    await client.ready();
    showStatus(client);
    const stream = await client.chat.completions.create(
      { model: settings.model, messages: [{ role: "user", content: prompt }], stream: true },
      { signal: running.signal },
    );
    let text = "";
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta?.content ?? "";
      if (piece === "") continue;
      if (text === "") setState("streaming");
      text += piece;
      answer.textContent = text;
    }
    // Stop ends the loop quietly (as with the official client): the signal says whether the answer was complete.
    setState(running.signal.aborted ? "stopped" : "done");
  } catch (error) {
    if (running.signal.aborted) {
      setState("stopped");
    } else {
      setState("failed");
      // ModelMesh errors name what failed and where, never the key; anything else shows its message only.
      errorLine.textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      errorLine.hidden = false;
    }
  } finally {
    running = undefined;
    if (client) showStatus(client);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  void send();
});
stopButton.addEventListener("click", () => running?.abort());
setState("idle");
