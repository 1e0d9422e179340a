import { LEVELS, pointOf, type ControlEntry, type Level, type SummaryEntry, type TheoryResults } from './results.ts';

/** One small chart: probe quality against training masking ratio, one line per patch size, untrained control dashed. */
export interface ChartPanel {
  key: string;
  title: string;
  level: Level;
  /** a latent's own score instead of its level's mean */
  latent?: string;
}

const COLORS = ['#1f6fb4', '#c8372d', '#2c8c3c', '#8a4fb0'];
const W = 250;
const H = 180;
const M = { left: 34, right: 8, top: 22, bottom: 30 };

export const LEVEL_TITLES: Record<Level, string> = {
  global: 'Global: shape, palette',
  middle: 'Middle: position, size, orientation',
  local: 'Local: texture, stripe phase',
};

export function levelPanels(): ChartPanel[] {
  return LEVELS.map((level) => ({ key: level, title: LEVEL_TITLES[level], level }));
}

export function latentPanels(results: TheoryResults): ChartPanel[] {
  return LEVELS.flatMap((level) =>
    results.world.levels[level].map((latent) => ({ key: latent, title: `${latent} (${level})`, level, latent })),
  );
}

function Panel({ panel, results }: { panel: ChartPanel; results: TheoryResults }) {
  const series = results.patchSizes.map((p) => ({
    patch: p,
    points: results.summary
      .filter((e: SummaryEntry) => e.patchSize === p)
      .sort((a, b) => a.maskRatio - b.maskRatio)
      .map((e) => ({ ratio: e.maskRatio, stat: pointOf(e, panel.level, panel.latent) }))
      .filter((pt): pt is { ratio: number; stat: NonNullable<typeof pt.stat> } => pt.stat !== undefined),
    control: results.controls.untrained.find((c: ControlEntry) => c.patchSize === p),
  }));
  const values = series.flatMap((s) => [
    ...s.points.flatMap((pt) => [pt.stat.mean - pt.stat.std, pt.stat.mean + pt.stat.std]),
    ...(s.control ? [pointOf(s.control, panel.level, panel.latent)?.mean ?? 0] : []),
  ]);
  // the axis spans the data, rounded out to 0.1: the differences between ratios are a few hundredths
  const lo = Math.floor(Math.min(...values) * 10) / 10;
  const hi = Math.max(lo + 0.1, Math.ceil(Math.max(...values) * 10) / 10);
  const x = (r: number) => M.left + r * (W - M.left - M.right);
  const y = (v: number) => M.top + ((hi - v) / (hi - lo)) * (H - M.top - M.bottom);
  const ticks = [lo, (lo + hi) / 2, hi];
  return (
    <svg
      className="theory-panel"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-label={`${panel.title}: probe score by training masking ratio`}
      data-testid="theory-panel"
      data-panel={panel.key}
    >
      <text x={M.left} y={14} className="theory-panel-title">
        {panel.title}
      </text>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="theory-grid" />
          <text x={M.left - 4} y={y(t) + 3} textAnchor="end" className="theory-tick">
            {t.toFixed(2)}
          </text>
        </g>
      ))}
      {[0, 0.25, 0.5, 0.75, 1].map((r) => (
        <text key={r} x={x(r)} y={H - M.bottom + 12} textAnchor="middle" className="theory-tick">
          {r}
        </text>
      ))}
      <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle" className="theory-tick">
        training masking ratio
      </text>
      {series.map((s, i) => {
        const color = COLORS[i % COLORS.length];
        const control = s.control ? pointOf(s.control, panel.level, panel.latent) : undefined;
        return (
          <g key={s.patch}>
            {control && (
              <line
                x1={M.left}
                x2={W - M.right}
                y1={y(control.mean)}
                y2={y(control.mean)}
                stroke={color}
                strokeDasharray="4 3"
                strokeWidth={1}
                data-testid="theory-control"
                data-panel={panel.key}
                data-patch={s.patch}
                data-mean={control.mean}
              >
                <title>{`untrained, patch ${s.patch}: ${control.mean.toFixed(3)} ± ${control.std.toFixed(3)}`}</title>
              </line>
            )}
            <polyline
              fill="none"
              stroke={color}
              strokeWidth={1.5}
              points={s.points.map((pt) => `${x(pt.ratio)},${y(pt.stat.mean)}`).join(' ')}
            />
            {s.points.map((pt) => (
              <g
                key={pt.ratio}
                data-testid="theory-point"
                data-panel={panel.key}
                data-patch={s.patch}
                data-ratio={pt.ratio}
                data-mean={pt.stat.mean}
                data-std={pt.stat.std}
              >
                <line
                  x1={x(pt.ratio)}
                  x2={x(pt.ratio)}
                  y1={y(pt.stat.mean - pt.stat.std)}
                  y2={y(pt.stat.mean + pt.stat.std)}
                  stroke={color}
                />
                <circle cx={x(pt.ratio)} cy={y(pt.stat.mean)} r={2.5} fill={color} />
                <title>{`patch ${s.patch}, ratio ${pt.ratio}: ${pt.stat.mean.toFixed(3)} ± ${pt.stat.std.toFixed(3)} (n = ${pt.stat.n} seeds)`}</title>
              </g>
            ))}
          </g>
        );
      })}
    </svg>
  );
}

/** The chart: one panel per level (or per latent), one line per patch size, error bars = std over seeds. */
export function TheoryChart({ results, panels }: { results: TheoryResults; panels: ChartPanel[] }) {
  return (
    <figure className="theory-chart" data-testid="theory-chart">
      <div className="theory-panels">
        {panels.map((panel) => (
          <Panel key={panel.key} panel={panel} results={results} />
        ))}
      </div>
      <figcaption className="theory-legend">
        {results.patchSizes.map((p, i) => (
          <span key={p} className={`theory-swatch-${i % COLORS.length}`}>
            ● patch {p} (dashed: untrained, same patch size)
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
