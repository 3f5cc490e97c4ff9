// @vitest-environment happy-dom
import { render } from "preact";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ExtensionConfig } from "../shared/protocol.js";
import { byTestId, choose, fakeAdmin, settle } from "../ui/fake-admin.js";
import { OptionsApp } from "./options-app.js";

describe("OptionsApp", () => {
  let container: HTMLElement;
  beforeEach(() => {
    container = document.createElement("div");
    document.body.append(container);
  });
  afterEach(() => {
    render(null, container);
    container.remove();
  });

  it("two sections edit one configuration: a later save carries the earlier one's change", async () => {
    let stored: ExtensionConfig = { mesh: { pools: { chat: { capability: "chat-completion", strategy: "cost-first" } } }, logContent: false };
    const admin = fakeAdmin({
      "config.get": () => stored,
      "config.set": ({ config }) => {
        stored = config;
        return { errors: [] };
      },
      "keys.list": () => [],
      "sites.list": () => [],
      "usage.get": () => ({ totalCost: 0, requests: 0, byModel: {}, byProvider: {}, bySite: {}, daily: [], budgets: {} }),
      "activity.list": () => [],
    });
    render(<OptionsApp sendAdmin={admin.sendAdmin} />, container);
    await settle();
    choose(byTestId<HTMLSelectElement>(container, "pool-strategy"), "latency-first");
    await settle();
    byTestId<HTMLButtonElement>(container, "config-save").click();
    await settle();
    byTestId<HTMLInputElement>(container, "log-content").click();
    await settle();
    const saves = admin.sentOf("config.set").map((message) => message.config);
    expect(saves).toHaveLength(2);
    expect(saves[1]).toEqual({ mesh: { pools: { chat: { capability: "chat-completion", strategy: "latency-first" } } }, logContent: true });
    expect(byTestId<HTMLInputElement>(container, "log-content").checked).toBe(true);
  });

  it("shows every section's own load error without hiding the others", async () => {
    const admin = fakeAdmin({ "keys.list": () => [] });
    render(<OptionsApp sendAdmin={admin.sendAdmin} />, container);
    await settle();
    const alerts = [...container.querySelectorAll('[role="alert"]')].map((alert) => alert.textContent);
    expect(alerts).toEqual(expect.arrayContaining([expect.stringContaining('No handler for "config.get"'), expect.stringContaining('No handler for "sites.list"'), expect.stringContaining('No handler for "usage.get"')]));
    expect(byTestId(container, "keys-section")).toBeTruthy();
    expect(byTestId(container, "key-row-openai")).toBeTruthy();
  });
});
