import type { ReconstructResult } from '../../worker/messages.ts';

function fmt(v: number | null, digits: number, unit = ''): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(digits)}${unit}`;
}

/** Masked-patch MSE, PSNR and inference time of one row. */
export function RowMetrics({ result }: { result: ReconstructResult | null }) {
  if (!result) return <dl className="metrics metrics-empty" />;
  const ms = result.encoderMs + result.decoderMs;
  return (
    <dl className="metrics">
      <div title="Mean squared error on the hidden patches, in ImageNet-normalised pixel units (the MAE loss)">
        <dt>masked MSE</dt>
        <dd data-testid="metric-mse">{fmt(result.mse, 3)}</dd>
      </div>
      <div title="The same MSE if every hidden pixel were the mean colour of the visible patches: the model should beat it">
        <dt>baseline (visible mean)</dt>
        <dd data-testid="metric-baseline">{fmt(result.visibleMeanMse, 3)}</dd>
      </div>
      <div title="Peak signal-to-noise ratio on the hidden patches, in 0–255 pixel space">
        <dt>PSNR</dt>
        <dd data-testid="metric-psnr">{fmt(result.psnr, 1, ' dB')}</dd>
      </div>
      <div title={`encoder ${result.encoderMs.toFixed(0)} ms + decoder ${result.decoderMs.toFixed(0)} ms on ${result.provider}`}>
        <dt>time</dt>
        <dd data-testid="metric-time">{fmt(ms, 0, ' ms')}</dd>
      </div>
      <div>
        <dt>visible</dt>
        <dd>
          {result.visible}/{result.numPatches}
        </dd>
      </div>
    </dl>
  );
}
