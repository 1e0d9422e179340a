import type { RgbaImage } from '../mae/index.ts';
import { PixelCanvas } from './PixelCanvas.tsx';

interface Props {
  image: RgbaImage | null;
  label: string;
  panel: string;
  busy: boolean;
}

/** One labelled panel: RGBA pixels drawn into a canvas. */
export function PanelCanvas({ image, label, panel, busy }: Props) {
  return (
    <figure className={`panel${image ? '' : ' panel-empty'}${busy ? ' panel-busy' : ''}`}>
      <PixelCanvas image={image} width={224} height={224} data-panel={panel} aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
