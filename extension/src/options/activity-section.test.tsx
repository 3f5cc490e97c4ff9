// @vitest-environment happy-dom
import { render } from "preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ActivityEntry, ExtensionConfig } from "../shared/protocol.js";
import { byTestId, choose, fakeAdmin, settle } from "../ui/fake-admin.js";
import { ActivitySection } from "./activity-section.js";

const entries: ActivityEntry[] = [
  { at: 1, origin: "https://a.example", method: "chat.completions.create", model: "gpt-4o-mini", provider: "openai", cost: 0.002, outcome: "ok" },
  { at: 2, origin: "https://b.example", method: "embeddings.create", cost: 0, outcome: "over-budget", error: "site budget exceeded" },
];

describe("ActivitySection", () => {
  let container: HTMLElement;
  beforeEach(() => {
    container = document.createElement("div");
    document.body.append(container);
  });
  afterEach(() => {
    render(null, container);
    container.remove();
  });

  const setUp = (config: ExtensionConfig) =>
    fakeAdmin({
      "sites.list": () => [
        { origin: "https://a.example", grant: "always", budget: {}, pools: [], grantedAt: 0, spentToday: 0 },
        { origin: "https://b.example", grant: "always", budget: {}, pools: [], grantedAt: 0, spentToday: 0 },
      ],
      "activity.list": ({ origin }) => entries.filter((entry) => !origin || entry.origin === origin),
      "config.set": () => ({ errors: [] }),
      "config.get": () => config,
    });

  it("lists what each site asked and filters by site with activity.list", async () => {
    const admin = setUp({ mesh: {}, logContent: false });
    render(<ActivitySection sendAdmin={admin.sendAdmin} config={{ mesh: {}, logContent: false }} onSaved={vi.fn()} />, container);
    await settle();
    expect(container.querySelectorAll('[data-testid="activity-row"]')).toHaveLength(2);
    expect(byTestId(container, "activity-table").textContent).toContain("openai / gpt-4o-mini");
    expect(byTestId(container, "activity-table").textContent).toContain("site budget exceeded");
    choose(byTestId<HTMLSelectElement>(container, "activity-site"), "https://b.example");
    await settle();
    expect(admin.sentOf("activity.list").at(-1)).toEqual({ type: "activity.list", origin: "https://b.example", limit: 200 });
    expect(container.querySelectorAll('[data-testid="activity-row"]')).toHaveLength(1);
  });

  it("content logging is off by default and turning it on sends config.set with logContent", async () => {
    const config: ExtensionConfig = { mesh: { pools: {} }, logContent: false };
    const admin = setUp(config);
    const onSaved = vi.fn();
    render(<ActivitySection sendAdmin={admin.sendAdmin} config={config} onSaved={onSaved} />, container);
    await settle();
    const toggle = byTestId<HTMLInputElement>(container, "log-content");
    expect(toggle.checked).toBe(false);
    toggle.click();
    await settle();
    expect(admin.sentOf("config.set")).toEqual([{ type: "config.set", config: { mesh: { pools: {} }, logContent: true } }]);
    expect(onSaved).toHaveBeenCalledWith({ mesh: { pools: {} }, logContent: true });
  });
});
