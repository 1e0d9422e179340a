import { useEffect, useRef } from 'react';
import type { RgbaImage } from '../mae/index.ts';

interface Props {
  image: RgbaImage | null;
  label: string;
  panel: string;
  busy: boolean;
}

/** One labelled panel: RGBA pixels drawn into a canvas. */
export function PanelCanvas({ image, label, panel, busy }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !image) return;
    if (canvas.width !== image.width) canvas.width = image.width;
    if (canvas.height !== image.height) canvas.height = image.height;
    const ctx = canvas.getContext('2d');
    // ImageData needs an ArrayBuffer-backed array; the worker's transfer gives exactly that.
    ctx?.putImageData(new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height), 0, 0);
  }, [image]);
  return (
    <figure className={`panel${image ? '' : ' panel-empty'}${busy ? ' panel-busy' : ''}`}>
      <canvas ref={ref} width={224} height={224} data-panel={panel} aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
