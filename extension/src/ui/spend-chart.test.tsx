// @vitest-environment happy-dom
import { render } from "preact";
import { afterEach, describe, expect, it } from "vitest";
import { SpendChart } from "./spend-chart.js";

describe("SpendChart", () => {
  const container = document.createElement("div");
  afterEach(() => render(null, container));

  it("draws one bar per day, in order, as tall as its share of the highest day", () => {
    const daily = [
      { date: "2026-11-29", cost: 0.5 },
      { date: "2026-11-30", cost: 0 },
      { date: "2026-12-01", cost: 2 },
      { date: "2026-12-02", cost: 1 },
    ];
    render(<SpendChart daily={daily} width={400} height={140} />, container);
    const bars = [...container.querySelectorAll<SVGRectElement>('[data-testid="spend-bar"]')];
    expect(bars.map((bar) => bar.getAttribute("data-date"))).toEqual(daily.map((day) => day.date));
    const heights = bars.map((bar) => Number(bar.getAttribute("height")));
    // plot height = 140 - 12 (top) - 28 (bottom) = 100
    expect(heights).toEqual([25, 0, 100, 50]);
    const xs = bars.map((bar) => Number(bar.getAttribute("x")));
    expect(xs).toEqual([...xs].sort((left, right) => left - right));
    expect(bars[2]?.querySelector("title")?.textContent).toBe("2026-12-01: $2.00");
    expect(container.querySelector("svg")?.getAttribute("aria-label")).toContain("$3.50 in all");
  });

  it("draws no bar and says so when there is no day", () => {
    render(<SpendChart daily={[]} />, container);
    expect(container.querySelectorAll('[data-testid="spend-bar"]')).toHaveLength(0);
    expect(container.querySelector("svg")?.getAttribute("aria-label")).toBe("No spend recorded yet");
  });
});
