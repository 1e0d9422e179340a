import { useEffect, useRef } from 'react';
import type { RgbaImage } from '../mae/index.ts';
import type { SweepEntry } from '../state/sweep.ts';

/** Full-resolution pixels in a canvas that CSS shows as a thumbnail. */
function Thumb({ image, label, kind }: { image: RgbaImage; label: string; kind: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext('2d')?.putImageData(new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={ref} className="sweep-thumb" data-kind={kind} aria-label={label} />;
}

/** One frame per swept ratio (the first seed): masked input above, reconstruction + visible below. */
export function Filmstrip({ entries }: { entries: SweepEntry[] }) {
  return (
    <div className="filmstrip" data-testid="sweep-filmstrip">
      {entries.map((e) => (
        <figure key={e.maskRatio} className="sweep-frame" data-testid="sweep-frame" data-ratio={e.maskRatio}>
          <Thumb image={e.masked} kind="masked" label={`masked at ${e.maskRatio.toFixed(2)}`} />
          <Thumb image={e.reconstructionWithVisible} kind="reconstructionWithVisible" label={`reconstruction + visible at ${e.maskRatio.toFixed(2)}`} />
          <figcaption>
            {e.maskRatio.toFixed(2)}
            <span className="sweep-frame-visible">
              {' '}
              · {e.visible}/{e.numPatches}
            </span>
          </figcaption>
        </figure>
      ))}
    </div>
  );
}
