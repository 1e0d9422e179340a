import type { DecodeResult } from '../../worker/messages.ts';

/** What the decode changed about a file, said next to it: transparency, animation, downscaling. */
export function DecodeNotes({ info }: { info: DecodeResult | null }) {
  if (!info) return null;
  const notes: { key: string; text: string }[] = [];
  if (info.transparentOn) notes.push({ key: 'alpha', text: `Transparent areas are shown on ${info.transparentOn}.` });
  if (info.frames !== null && info.frames > 1)
    notes.push({ key: 'frames', text: `Animated (${info.frames} frames): the first frame is used.` });
  if (info.method !== 'bitmap') {
    notes.push({
      key: 'scaled',
      text: `Large photo (${info.sourceWidth}×${info.sourceHeight}): decoded downscaled to ${info.decodedWidth}×${info.decodedHeight}.`,
    });
  }
  if (notes.length === 0) return null;
  return (
    <>
      {notes.map((n) => (
        <p key={n.key} className="row-note" data-testid={`row-note-${n.key}`}>
          {n.text}
        </p>
      ))}
    </>
  );
}
