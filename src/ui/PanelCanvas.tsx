import type { RgbaImage } from '../mae/index.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { useDelayedFlag } from './use-delayed-flag.ts';

interface Props {
  image: RgbaImage | null;
  label: string;
  panel: string;
  busy: boolean;
}

/**
 * A panel dims only when its update has taken this long. Shorter updates (WASM: a grid of 8 in
 * about half a second) keep the pixels still: restyling 32 canvases mid-inference cost the WASM
 * threads 10-25% on a 2-core machine without a GPU (docs/BENCHMARKS.md).
 */
export const BUSY_DIM_DELAY_MS = 1000;

/** One labelled panel: RGBA pixels drawn into a canvas. */
export function PanelCanvas({ image, label, panel, busy }: Props) {
  const dim = useDelayedFlag(busy, BUSY_DIM_DELAY_MS);
  return (
    <figure className={`panel${image ? '' : ' panel-empty'}${dim ? ' panel-busy' : ''}`}>
      <PixelCanvas
        image={image}
        width={image?.width ?? 224}
        height={image?.height ?? 224}
        // a whole photo keeps its aspect ratio (the crop is square, as the stylesheet says)
        style={image && image.width !== image.height ? { aspectRatio: `${image.width} / ${image.height}` } : undefined}
        data-panel={panel}
        aria-label={label}
      />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
