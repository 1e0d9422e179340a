import { useEffect, useRef } from 'react';
import type { RgbaImage } from '../../mae/image.ts';
import { WORLD_SIZE } from './world.ts';

export const pct = (r: number): string => `${Math.round(r * 100)}%`;

/** [0, 1] CHW float pixels → RGBA bytes for a canvas. */
export function toRgba(pixels: Float32Array): RgbaImage {
  const hw = WORLD_SIZE * WORLD_SIZE;
  const data = new Uint8ClampedArray(hw * 4);
  for (let i = 0; i < hw; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = pixels[c * hw + i] * 255;
    data[i * 4 + 3] = 255;
  }
  return { width: WORLD_SIZE, height: WORLD_SIZE, data };
}

export function Pixels({ image, label, testId }: { image: RgbaImage; label: string; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return (
    <figure className="theory-pixels">
      <canvas ref={ref} data-testid={testId} aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
