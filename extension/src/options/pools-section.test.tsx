// @vitest-environment happy-dom
import { ConfigError } from "modelmesh";
import { render } from "preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ExtensionConfig } from "../shared/protocol.js";
import { byTestId, choose, fakeAdmin, settle, typeInto } from "../ui/fake-admin.js";
import { PoolsSection } from "./pools-section.js";

const stored: ExtensionConfig = {
  logContent: false,
  mesh: {
    providers: { openai: { enabled: true } },
    pools: { chat: { capability: "generation.text-generation.chat-completion", strategy: "cost-first", on_budget_exceeded: "rotate" } },
    budget: { daily_limit: 2, alert_threshold: 0.5 },
  },
};

describe("PoolsSection", () => {
  let container: HTMLElement;
  beforeEach(() => {
    container = document.createElement("div");
    document.body.append(container);
  });
  afterEach(() => {
    render(null, container);
    container.remove();
  });

  it("sends the edited pools and budget in config.set, keeping settings the form does not show", async () => {
    const admin = fakeAdmin({ "config.set": () => ({ errors: [] }) });
    const onSaved = vi.fn();
    render(<PoolsSection sendAdmin={admin.sendAdmin} config={stored} onSaved={onSaved} />, container);
    await settle();
    choose(byTestId<HTMLSelectElement>(container, "pool-strategy"), "round-robin");
    typeInto(byTestId<HTMLInputElement>(container, "pool-providers"), "openai, groq");
    typeInto(byTestId<HTMLInputElement>(container, "budget-monthly"), "40");
    await settle();
    byTestId<HTMLButtonElement>(container, "config-save").click();
    await settle();
    const [message] = admin.sentOf("config.set");
    expect(message?.config).toEqual({
      logContent: false,
      mesh: {
        providers: { openai: { enabled: true } },
        pools: { chat: { capability: "generation.text-generation.chat-completion", strategy: "round-robin", on_budget_exceeded: "rotate", providers: ["openai", "groq"] } },
        budget: { alert_threshold: 0.5, dailyLimit: 2, monthlyLimit: 40 },
      },
    });
    expect(onSaved).toHaveBeenCalledWith(message?.config);
    expect(container.querySelector('[data-testid="config-errors"]')).toBeNull();
  });

  it("shows config.set's errors and keeps what the person typed (the old config stays in use)", async () => {
    const admin = fakeAdmin({ "config.set": () => ({ errors: ['pools.fast.strategy: unknown strategy "fastest"'] }) });
    const onSaved = vi.fn();
    render(<PoolsSection sendAdmin={admin.sendAdmin} config={stored} onSaved={onSaved} />, container);
    await settle();
    byTestId<HTMLButtonElement>(container, "pool-add").click();
    await settle();
    const names = container.querySelectorAll<HTMLInputElement>('[data-testid="pool-name"]');
    typeInto(names[1]!, "fast");
    typeInto(byTestId<HTMLInputElement>(container, "budget-daily"), "3.5");
    await settle();
    byTestId<HTMLButtonElement>(container, "config-save").click();
    await settle();
    expect(admin.sentOf("config.set")).toHaveLength(1);
    const errors = byTestId(container, "config-errors");
    expect(errors.getAttribute("role")).toBe("alert");
    expect(errors.textContent).toContain('pools.fast.strategy: unknown strategy "fastest"');
    expect(errors.textContent).toContain("previous configuration is still in use");
    const namesAfter = container.querySelectorAll<HTMLInputElement>('[data-testid="pool-name"]');
    expect([...namesAfter].map((input) => input.value)).toEqual(["chat", "fast"]);
    expect(byTestId<HTMLInputElement>(container, "budget-daily").value).toBe("3.5");
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("shows a rejected config.set's revived error and keeps the form", async () => {
    const admin = fakeAdmin({
      "config.set": () => {
        throw new ConfigError("budget.dailyLimit", "must be a number");
      },
    });
    render(<PoolsSection sendAdmin={admin.sendAdmin} config={stored} onSaved={vi.fn()} />, container);
    await settle();
    typeInto(byTestId<HTMLInputElement>(container, "pool-name"), "talk");
    await settle();
    byTestId<HTMLButtonElement>(container, "config-save").click();
    await settle();
    expect(byTestId(container, "config-errors").textContent).toContain("budget.dailyLimit: must be a number");
    expect(byTestId<HTMLInputElement>(container, "pool-name").value).toBe("talk");
  });

  it("catches a pool without a name before sending anything", async () => {
    const admin = fakeAdmin({ "config.set": () => ({ errors: [] }) });
    render(<PoolsSection sendAdmin={admin.sendAdmin} config={stored} onSaved={vi.fn()} />, container);
    await settle();
    typeInto(byTestId<HTMLInputElement>(container, "pool-name"), " ");
    await settle();
    byTestId<HTMLButtonElement>(container, "config-save").click();
    await settle();
    expect(admin.sentOf("config.set")).toEqual([]);
    expect(byTestId(container, "config-errors").textContent).toContain("give it a name");
  });
});
