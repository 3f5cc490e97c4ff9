import { render } from "preact";
import { ConsentApp } from "./consent-app.tsx";

declare const chrome: { runtime: { sendMessage(message: unknown): Promise<unknown> } };

const consentId = new URLSearchParams(location.search).get("consent") ?? "";
render(<ConsentApp consentId={consentId} send={(message) => chrome.runtime.sendMessage(message)} />, document.getElementById("app")!);
