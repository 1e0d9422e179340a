import { axisTicks } from './sweep-stats.ts';
import type { SweepEntry } from './sweep-controller.ts';

const W = 640;
const H = 280;
const M = { left: 58, right: 16, top: 14, bottom: 44 };

interface Props {
  entries: SweepEntry[];
  trainMaskRatio: number | null;
  seeds: number;
}

/**
 * Mean masked-patch MSE across seeds against the masking ratio, with the min–max band across
 * seeds, the visible-mean baseline (dashed) and the ratio the model was trained at.
 */
export function SweepChart({ entries, trainMaskRatio, seeds }: Props) {
  const pts = entries.filter((e) => e.summary.mse !== null);
  const highest = Math.max(0, ...pts.map((e) => e.summary.mse?.max ?? 0), ...entries.map((e) => e.summary.baseline?.max ?? 0));
  const { top, ticks } = axisTicks(highest);
  const x = (r: number): number => M.left + r * (W - M.left - M.right);
  const y = (v: number): number => H - M.bottom - (v / top) * (H - M.top - M.bottom);
  const line = (vals: [number, number][]): string => vals.map(([r, v]) => `${x(r).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const mean = pts.map((e) => [e.maskRatio, e.summary.mse?.mean ?? 0] as [number, number]);
  const band = [
    ...pts.map((e) => [e.maskRatio, e.summary.mse?.max ?? 0] as [number, number]),
    ...pts.map((e) => [e.maskRatio, e.summary.mse?.min ?? 0] as [number, number]).reverse(),
  ];
  const baseline = entries.filter((e) => e.summary.baseline).map((e) => [e.maskRatio, e.summary.baseline?.mean ?? 0] as [number, number]);
  const xTicks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  return (
    <figure className="sweep-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Masked-patch MSE against masking ratio" data-testid="sweep-chart">
        {ticks.map((t) => (
          <g key={`y${t}`} className="axis-tick">
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid-line" />
            <text x={M.left - 6} y={y(t) + 4} textAnchor="end">
              {t}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text key={`x${t}`} x={x(t)} y={H - M.bottom + 16} textAnchor="middle" className="axis-tick">
            {t.toFixed(1)}
          </text>
        ))}
        <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} className="axis" />
        <line x1={M.left} x2={M.left} y1={M.top} y2={H - M.bottom} className="axis" />
        <text x={(M.left + W - M.right) / 2} y={H - 6} textAnchor="middle" className="axis-label">
          masking ratio
        </text>
        <text transform={`translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">
          masked-patch MSE
        </text>
        {trainMaskRatio !== null && (
          <g data-testid="sweep-train-ratio">
            <line x1={x(trainMaskRatio)} x2={x(trainMaskRatio)} y1={M.top} y2={H - M.bottom} className="train-ratio" />
            <text x={x(trainMaskRatio) + 4} y={M.top + 10} className="train-ratio-label">
              trained at {trainMaskRatio}
            </text>
          </g>
        )}
        {band.length > 2 && <polygon points={line(band)} className="spread-band" data-testid="sweep-band" />}
        {baseline.length > 1 && <polyline points={line(baseline)} className="baseline-line" />}
        {mean.length > 1 && <polyline points={line(mean)} className="mean-line" />}
        {pts.map((e) => (
          <circle
            key={e.maskRatio}
            cx={x(e.maskRatio)}
            cy={y(e.summary.mse?.mean ?? 0)}
            r={3.5}
            className="mean-point"
            data-testid="sweep-point"
            data-ratio={e.maskRatio}
            data-mean={e.summary.mse?.mean}
          >
            <title>
              {`ratio ${e.maskRatio.toFixed(2)}: mean ${e.summary.mse?.mean.toFixed(3)} ± ${e.summary.mse?.std.toFixed(3)} s.d. (min ${e.summary.mse?.min.toFixed(3)}, max ${e.summary.mse?.max.toFixed(3)}) over ${e.summary.mse?.n} seeds`}
            </title>
          </circle>
        ))}
      </svg>
      <figcaption className="sweep-legend">
        <span className="key key-mean">mean over {seeds} seeds</span>
        <span className="key key-band">min–max across seeds</span>
        <span className="key key-baseline">baseline: visible mean</span>
        {trainMaskRatio !== null && <span className="key key-train">training ratio</span>}
      </figcaption>
    </figure>
  );
}
