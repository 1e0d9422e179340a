import { useEffect, useRef, useState } from 'react';
import { GridViewer } from './GridViewer.tsx';
import { PROBES, parseRunResults, RUN_LEVELS, type Probe, type RunLevel, type RunResults } from './run-results.ts';

const RUN_URL = `${import.meta.env.BASE_URL}models/theory/run/results.json`;
const COLORS = ['#1f6fb4', '#c8372d', '#2c8c3c', '#8a4fb0'];
const W = 220;
const H = 170;
const M = { left: 30, right: 8, top: 20, bottom: 28 };
const LEVEL_TITLES: Record<RunLevel, string> = {
  object: 'Object (1)',
  layout: 'Layout (4 quadrants)',
  part: 'Part (16 regions)',
  texture: 'Texture (64 cells)',
};

/** One level: probe score (0 = chance, 1 = perfect) against training ratio, one line per patch size, untrained dashed. */
function LevelPanel({ results, level, probe }: { results: RunResults; level: RunLevel; probe: Probe }) {
  const x = (r: number) => M.left + r * (W - M.left - M.right);
  // a fixed 0–1 axis: the scores are compared with chance and with perfect, not only with each other
  const y = (v: number) => M.top + (1 - Math.max(0, Math.min(1, v))) * (H - M.top - M.bottom);
  return (
    <svg
      className="theory-panel"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-label={`${LEVEL_TITLES[level]}: ${probe} probe score by training masking ratio`}
    >
      <text x={M.left} y={13} fontSize={11} fontWeight={600}>
        {LEVEL_TITLES[level]}
      </text>
      {[0, 0.5, 1].map((t) => (
        <g key={t}>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke="#e6e6e6" />
          <text x={M.left - 4} y={y(t) + 3} fontSize={9} textAnchor="end" fill="currentColor">
            {t}
          </text>
        </g>
      ))}
      {[0, 0.5, 1].map((r) => (
        <text key={r} x={x(r)} y={H - M.bottom + 12} fontSize={9} textAnchor="middle" fill="currentColor">
          {r}
        </text>
      ))}
      {results.patchSizes.map((p, j) => {
        const color = COLORS[j % COLORS.length];
        const points = results.summary.filter((e) => e.patchSize === p).sort((a, b) => a.maskRatio - b.maskRatio);
        const control = results.controls.untrained.find((c) => c.patchSize === p);
        return (
          <g key={p} data-testid={`run-series-p${p}-${level}`}>
            {control && (
              <line
                x1={M.left}
                x2={W - M.right}
                y1={y(control.levels[probe][level].mean)}
                y2={y(control.levels[probe][level].mean)}
                stroke={color}
                strokeDasharray="4 3"
              />
            )}
            <polyline
              fill="none"
              stroke={color}
              strokeWidth={1.5}
              points={points.map((e) => `${x(e.maskRatio)},${y(e.levels[probe][level].mean)}`).join(' ')}
            />
            {points.map((e) => {
              const s = e.levels[probe][level];
              return (
                <g key={e.maskRatio}>
                  <line x1={x(e.maskRatio)} x2={x(e.maskRatio)} y1={y(s.mean - s.std)} y2={y(s.mean + s.std)} stroke={color} />
                  <circle cx={x(e.maskRatio)} cy={y(s.mean)} r={2.5} fill={color}>
                    <title>{`patch ${p}, ratio ${e.maskRatio}: ${s.mean.toFixed(3)} ± ${s.std.toFixed(3)} (${e.seeds.length} seeds)`}</title>
                  </circle>
                </g>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}

/**
 * The issue-26 run (four-level world): how far it is, the verdicts on the predictions committed before it
 * trained (as hreport.py computed them from the numbers), and the chart of the models finished so far.
 */
export function RunPanel() {
  const [results, setResults] = useState<RunResults | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [probe, setProbe] = useState<Probe>('mlp');
  const ref = useRef<HTMLDivElement>(null);
  // fetched once the panel comes near the screen, not with the page (as the first run's results)
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let live = true;
    let started = false;
    const load = () => {
      if (started) return;
      started = true;
      fetch(RUN_URL)
        .then(async (res) => {
          if (!res.ok) throw new Error(`models/theory/run/results.json: HTTP ${res.status}`);
          return parseRunResults(await res.json());
        })
        .then((r) => live && setResults(r))
        .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    };
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && load(), { rootMargin: '400px' });
    io.observe(el);
    return () => {
      live = false;
      io.disconnect();
    };
  }, []);
  return (
    <div ref={ref} className="theory-run" data-testid="theory-run">
      <h3>The longer run: a world with four levels (issue 26)</h3>
      {error && (
        <p className="row-error-msg" role="alert" data-testid="theory-run-error">
          {error}
        </p>
      )}
      {!results && !error && <p className="fineprint">Loading the run&apos;s progress…</p>}
      {results && (
        <>
          <p className="theory-text" data-testid="theory-run-progress">
            {results.runs.length} of {results.expected} models trained (ratios {results.ratios.join(', ')}; patch sizes{' '}
            {results.patchSizes.join(' and ')}; {results.seeds.length} seeds; each until its held-out loss flattened). The predictions below
            were written before the first model trained; a verdict needs every seed of both sides.
          </p>
          <table className="theory-verdicts" data-testid="theory-verdicts">
            <thead>
              <tr>
                <th>id</th>
                <th>prediction</th>
                <th>MLP probe</th>
                <th>linear probe</th>
              </tr>
            </thead>
            <tbody>
              {results.verdicts.map((v) => (
                <tr key={v.id} data-testid={`theory-verdict-${v.id}`}>
                  <td>{v.id}</td>
                  <td>{v.claim}</td>
                  <td title={v.mlp.why} data-verdict={v.mlp.verdict}>
                    {v.mlp.verdict}
                  </td>
                  <td title={v.linear.why} data-verdict={v.linear.verdict}>
                    {v.linear.verdict}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h4>Open a model of the grid</h4>
          <GridViewer models={results.models} />
          {results.summary.length > 0 && (
            <>
              <label className="theory-toggle">
                Probe{' '}
                <select value={probe} data-testid="theory-run-probe" onChange={(e) => setProbe(e.target.value as Probe)}>
                  {PROBES.map((p) => (
                    <option key={p} value={p}>
                      {p === 'mlp' ? 'MLP' : 'linear'}
                    </option>
                  ))}
                </select>
              </label>
              <figure className="theory-chart" data-testid="theory-run-chart">
                <div className="theory-panels">
                  {RUN_LEVELS.map((level) => (
                    <LevelPanel key={level} results={results} level={level} probe={probe} />
                  ))}
                </div>
                <figcaption className="fineprint">
                  {results.patchSizes.map((p, j) => (
                    // the colour is on a drawn swatch, the words stay in the text colour (contrast in both themes)
                    <span key={p}>
                      <svg width={10} height={10} viewBox="0 0 10 10" aria-hidden="true">
                        <circle cx={5} cy={5} r={4} fill={COLORS[j % COLORS.length]} />
                      </svg>{' '}
                      patch {p}{' '}
                    </span>
                  ))}
                  — dashed: untrained; error bars: standard deviation over seeds.
                </figcaption>
              </figure>
            </>
          )}
        </>
      )}
    </div>
  );
}
