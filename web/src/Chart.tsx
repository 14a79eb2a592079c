// uPlot line chart of prefix announcements over time; redraws in place as samples arrive.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface Line {
  label: string;
  values: number[];
  color: string;
  dash?: number[];
  width?: number;
}

export function Chart({
  title,
  at,
  lines,
  height = 240,
}: {
  title: string;
  at: number[];
  lines: Line[];
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = lines.map((l) => l.label).join('|');
  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt only when the set of lines changes
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      // y hugs the data: a drop of a few prefixes out of hundreds must be visible, not a hairline at the top
      scales: {
        x: { time: true },
        y: {
          range: (_u, min, max) => {
            const pad = Math.max((max - min) * 0.15, 2);
            return [Math.max(0, Math.floor(min - pad)), Math.ceil(max + pad)];
          },
        },
      },
      axes: [
        {
          stroke: '#9aa7b4',
          grid: { stroke: '#263241' },
          ticks: { stroke: '#263241' },
          // UTC wall-clock, as in the audit log and every other time the console shows
          values: (_u, splits) => splits.map((s) => new Date(s * 1000).toISOString().slice(11, 19)),
        },
        { stroke: '#9aa7b4', grid: { stroke: '#263241' }, ticks: { stroke: '#263241' }, size: 56 },
      ],
      series: [
        { label: 'time (UTC)', value: (_u, v) => (v == null ? '—' : new Date(v * 1000).toISOString().slice(11, 19)) },
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: l.width ?? 1.5,
          dash: l.dash,
          points: { show: false },
        })),
      ],
    };
    plot.current = new uPlot(opts, [at.map((t) => t / 1000), ...lines.map((l) => l.values)], el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, height]);
  useEffect(() => {
    plot.current?.setData([at.map((t) => t / 1000), ...lines.map((l) => l.values)]);
  }, [at, lines]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div
        ref={box}
        role="img"
        aria-label={`${title}: ${lines.map((l) => `${l.label} now ${l.values.at(-1) ?? 'n/a'}`).join(', ')}`}
      />
    </figure>
  );
}
