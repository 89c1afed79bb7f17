/** One bar: its label under it and its value (drawn to scale, printed above it). */
export interface Bar {
  label: string;
  value: number;
}

/**
 * A small SVG bar chart (no chart library: a handful of bars needs none). Described for screen readers by
 * its title; the same figures are in a table beside it.
 */
export function BarChart({
  title,
  bars,
  format,
}: {
  title: string;
  bars: Bar[];
  format: (v: number) => string;
}) {
  const width = Math.max(320, bars.length * 56);
  const height = 180;
  const top = 20;
  const bottom = 36;
  const max = Math.max(...bars.map((b) => b.value), 0) || 1;
  const slot = width / Math.max(bars.length, 1);
  return (
    <svg
      class="bar-chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={title}
      width={width}
      height={height}
    >
      <title>{title}</title>
      <line x1="0" x2={width} y1={height - bottom} y2={height - bottom} class="axis" />
      {bars.map((bar, i) => {
        const h = ((height - top - bottom) * bar.value) / max;
        const x = i * slot + slot * 0.2;
        const y = height - bottom - h;
        return (
          <g key={bar.label}>
            <rect x={x} y={y} width={slot * 0.6} height={h} class="bar" />
            <text x={x + slot * 0.3} y={y - 4} text-anchor="middle" class="value">
              {format(bar.value)}
            </text>
            <text x={x + slot * 0.3} y={height - bottom + 16} text-anchor="middle" class="label">
              {bar.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
