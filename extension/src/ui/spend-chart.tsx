// Spend per day as plain SVG bars: one bar per day the worker reports, a labelled axis, and a `<title>` per bar so
// a screen reader or a hover gives the exact amount. No chart library: this is 60 lines of arithmetic.
import { formatUsd } from "./format.js";

/**
 * The chart's days and size (the SVG scales to its container; the size sets its proportions).
 * @example
 * const props: SpendChartProps = { daily: report.daily, width: 640, height: 200 };
 */
export interface SpendChartProps {
  /** Spend per UTC day, oldest first (`UsageReport.daily`). */
  daily: Array<{ date: string; cost: number }>;
  width?: number;
  height?: number;
}

/**
 * The spend chart of the options page.
 * @example
 * <SpendChart daily={[{ date: "2026-12-01", cost: 0.12 }, { date: "2026-12-02", cost: 0.3 }]} />
 */
export function SpendChart({ daily, width = 640, height = 200 }: SpendChartProps) {
  const margin = { top: 12, right: 8, bottom: 28, left: 64 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const highest = Math.max(0, ...daily.map((day) => day.cost));
  // A flat zero chart still needs a scale; one cent keeps the axis readable.
  const top = highest > 0 ? highest : 0.01;
  const slot = daily.length > 0 ? plotWidth / daily.length : plotWidth;
  const barWidth = Math.max(1, slot * 0.7);
  const total = daily.reduce((sum, day) => sum + day.cost, 0);
  const first = daily[0]?.date;
  const last = daily[daily.length - 1]?.date;
  const summary = daily.length === 0 ? "No spend recorded yet" : `Spend per day from ${first} to ${last}: ${formatUsd(total)} in all, at most ${formatUsd(highest)} a day`;
  return (
    <svg class="spend-chart" data-testid="spend-chart" role="img" aria-label={summary} viewBox={`0 0 ${width} ${height}`} width="100%" preserveAspectRatio="xMidYMid meet">
      <line x1={margin.left} y1={margin.top + plotHeight} x2={margin.left + plotWidth} y2={margin.top + plotHeight} class="axis" />
      <line x1={margin.left} y1={margin.top} x2={margin.left} y2={margin.top + plotHeight} class="axis" />
      <text x={margin.left - 6} y={margin.top + 4} text-anchor="end" class="tick">{formatUsd(top)}</text>
      <text x={margin.left - 6} y={margin.top + plotHeight} text-anchor="end" class="tick">$0</text>
      {daily.map((day, index) => {
        const barHeight = (day.cost / top) * plotHeight;
        const x = margin.left + index * slot + (slot - barWidth) / 2;
        return (
          <rect key={day.date} data-testid="spend-bar" data-date={day.date} data-cost={String(day.cost)} class="bar" x={x} y={margin.top + plotHeight - barHeight} width={barWidth} height={barHeight}>
            <title>{`${day.date}: ${formatUsd(day.cost)}`}</title>
          </rect>
        );
      })}
      {first && (
        <text x={margin.left} y={height - 8} text-anchor="start" class="tick">{first}</text>
      )}
      {last && last !== first && (
        <text x={margin.left + plotWidth} y={height - 8} text-anchor="end" class="tick">{last}</text>
      )}
    </svg>
  );
}
