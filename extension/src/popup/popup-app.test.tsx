// @vitest-environment happy-dom
import { render } from "preact";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PortReply, StatusReport } from "../shared/protocol.js";
import { byTestId, fakeAdmin, fakeChatPort, settle, typeInto } from "../ui/fake-admin.js";
import { PopupApp } from "./popup-app.js";

const report: StatusReport = {
  models: [
    { provider: "openai", model: "gpt-4o-mini", pool: "chat", status: "active" },
    { provider: "groq", model: "llama-3.1-8b-instant", pool: "chat", status: "cooling-down", cooldownUntil: Date.now() + 30_000 },
    { provider: "mistral", model: "mistral-small-latest", pool: "chat", status: "out-of-budget" },
  ],
  spendToday: 0.0042,
  spendMonth: 1.5,
};
const chunk = (content: string): PortReply => ({ kind: "chunk", chunk: { model: "gpt-4o-mini", choices: [{ index: 0, delta: { content } }] } });

describe("PopupApp", () => {
  let container: HTMLElement;
  beforeEach(() => {
    container = document.createElement("div");
    document.body.append(container);
  });
  afterEach(() => {
    render(null, container);
    container.remove();
  });

  it("shows each model's state and today's spend from status.get", async () => {
    const admin = fakeAdmin({ "status.get": () => report });
    render(<PopupApp sendAdmin={admin.sendAdmin} connectChat={() => fakeChatPort().port} refreshMs={60_000} />, container);
    await settle();
    const rows = [...container.querySelectorAll<HTMLElement>('[data-testid="model-status"]')];
    expect(rows.map((row) => [row.dataset.model, row.dataset.status])).toEqual([
      ["gpt-4o-mini", "active"],
      ["llama-3.1-8b-instant", "cooling-down"],
      ["mistral-small-latest", "out-of-budget"],
    ]);
    expect(rows[1]?.textContent).toMatch(/Cooling down \((29|30) s\)/);
    expect(rows[2]?.textContent).toContain("Out of budget");
    expect(byTestId(container, "spend-today").textContent).toContain("$0.0042");
  });

  it("streams a quick chat answer into the popup as chunks arrive", async () => {
    const admin = fakeAdmin({ "status.get": () => report });
    const fake = fakeChatPort();
    let connections = 0;
    render(
      <PopupApp
        sendAdmin={admin.sendAdmin}
        connectChat={() => {
          connections += 1;
          return fake.port;
        }}
        refreshMs={60_000}
      />,
      container,
    );
    await settle();
    typeInto(byTestId<HTMLTextAreaElement>(container, "chat-input"), "Say hello");
    await settle();
    byTestId<HTMLButtonElement>(container, "chat-send").click();
    await settle();
    expect(connections).toBe(1);
    expect(fake.state.posted).toEqual([{ method: "chat.completions.create", params: { model: "chat-completion", messages: [{ role: "user", content: "Say hello" }], stream: true } }]);
    expect(byTestId(container, "chat-stop")).toBeTruthy();
    fake.reply(chunk("Hello"));
    await settle();
    expect(byTestId(container, "chat-answer").textContent).toBe("Hello");
    fake.reply(chunk(", world"));
    await settle();
    expect(byTestId(container, "chat-answer").textContent).toBe("Hello, world");
    const statusCalls = admin.sentOf("status.get").length;
    fake.reply({ kind: "end" });
    await settle();
    expect(byTestId(container, "chat-assistant").textContent).toBe("Hello, world");
    expect(byTestId(container, "chat-model").textContent).toContain("gpt-4o-mini");
    expect(byTestId(container, "chat-send")).toBeTruthy();
    // Spend changed: the status is asked again after an answer.
    expect(admin.sentOf("status.get").length).toBe(statusCalls + 1);
  });

  it("shows the worker's error when the chat fails", async () => {
    const admin = fakeAdmin({ "status.get": () => ({ models: [], spendToday: 0, spendMonth: 0 }) });
    const fake = fakeChatPort();
    render(<PopupApp sendAdmin={admin.sendAdmin} connectChat={() => fake.port} refreshMs={60_000} />, container);
    await settle();
    expect(byTestId(container, "status-empty").textContent).toContain("add a key");
    typeInto(byTestId<HTMLTextAreaElement>(container, "chat-input"), "Hi");
    await settle();
    byTestId<HTMLButtonElement>(container, "chat-send").click();
    await settle();
    fake.reply({ kind: "error", error: { name: "NoActiveModelsError", code: "no_active_models", message: "No model can serve chat", retryable: false } });
    await settle();
    expect(byTestId(container, "chat-error").textContent).toBe("No model can serve chat");
  });
});
