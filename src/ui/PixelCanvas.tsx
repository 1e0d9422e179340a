import { useEffect, useRef, type CanvasHTMLAttributes } from 'react';
import type { RgbaImage } from '../mae/index.ts';

type Props = { image: RgbaImage | null } & Omit<CanvasHTMLAttributes<HTMLCanvasElement>, 'children'> & {
    [data: `data-${string}`]: string | undefined;
  };

/** RGBA pixels drawn 1:1 into a canvas (CSS decides the shown size); nothing drawn while image is null. */
export function PixelCanvas({ image, ...canvasProps }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !image) return;
    if (canvas.width !== image.width) canvas.width = image.width;
    if (canvas.height !== image.height) canvas.height = image.height;
    // ImageData needs an ArrayBuffer-backed array; the worker's transfer gives exactly that.
    canvas.getContext('2d')?.putImageData(new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={ref} {...canvasProps} />;
}
