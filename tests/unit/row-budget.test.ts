/**
 * Time-bounded worker calls (src/worker/row-scheduler.ts, issue 23 item 5): batches split so each call
 * is about one second of work, from the measured ms per image; after a slider step the top row goes
 * first, within one call. Plain Node, the scheduler over a recording wire; every expected split is
 * worked out by hand in the comments.
 */
import { expect, test } from 'vitest';
import type { ReconstructResult } from '../../src/worker/messages.ts';
import { DEFAULT_CALL_BUDGET_MS, RowScheduler, rowsPerCall } from '../../src/worker/row-scheduler.ts';

test('rowsPerCall: floor(budget / ms per image), between 1 and maxBatch; maxBatch before any measurement', () => {
  expect(DEFAULT_CALL_BUDGET_MS).toBe(1000);
  expect(rowsPerCall(8, null, 1000)).toBe(8);
  expect(rowsPerCall(8, 40, 1000)).toBe(8); // the bundled ViT-Ti: 25 would fit, 8 is the most
  expect(rowsPerCall(8, 201, 1000)).toBe(4); // ViT-B int8 in Node: 1000 / 201 = 4.97
  expect(rowsPerCall(8, 200, 1000)).toBe(5); // exactly 5 fit
  expect(rowsPerCall(8, 333.4, 1000)).toBe(2); // 2.999
  expect(rowsPerCall(8, 551, 1000)).toBe(1); // ViT-L int8: 1.8 → 1
  expect(rowsPerCall(8, 2600, 1000)).toBe(1); // slower than the budget: still one image per call
  expect(rowsPerCall(3, 10, 1000)).toBe(3);
  expect(rowsPerCall(8, 0, 1000)).toBe(8); // not a measurement
  expect(rowsPerCall(8, 100, 250)).toBe(2);
});

/** A wire that records each call and lets the test answer it, every row taking `ms` of inference. */
function recordingWire() {
  const calls: { label: string; answer: (ms: number) => void }[] = [];
  const result = (imageId: string, maskRatio: number, seed: number, ms: number, batchSize: number): ReconstructResult =>
    ({ imageId, maskRatio, seed, totalMs: ms, batchSize }) as unknown as ReconstructResult;
  const wire = {
    call(req: {
      type: string;
      imageId?: string;
      maskRatio: number;
      seed?: number;
      items?: { imageId: string; seed: number }[];
    }): Promise<unknown> {
      return new Promise((resolve) => {
        if (req.type === 'reconstruct') {
          calls.push({
            label: `${req.imageId}@${req.maskRatio}`,
            answer: (ms) => resolve(result(req.imageId as string, req.maskRatio, req.seed ?? 0, ms, 1)),
          });
        } else {
          const items = req.items ?? [];
          calls.push({
            label: `[${items.map((i) => i.imageId).join(',')}]@${req.maskRatio}`,
            answer: (ms) => resolve({ results: items.map((i) => result(i.imageId, req.maskRatio, i.seed, ms, items.length)), failed: [] }),
          });
        }
      });
    },
  };
  return { wire: wire as unknown as ConstructorParameters<typeof RowScheduler>[0], calls };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const ROWS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

test('300 ms per image: a wave of 8 rows goes as a, [b,c,d], [e,f,g], h (1000 / 300 = 3 per call)', async () => {
  const { wire, calls } = recordingWire();
  const rows = new RowScheduler(wire, { maxBatch: 8, leadAlone: true });
  const wave = ROWS.map((id, i) => rows.reconstruct({ imageId: id, maskRatio: 0.5, seed: i }));
  await flush();
  expect(calls.map((c) => c.label)).toEqual(['a@0.5']); // nothing measured yet: the lead alone, as always
  calls[0].answer(300);
  await flush();
  expect(rows.imageMs).toBe(300);
  expect(calls.map((c) => c.label)).toEqual(['a@0.5', '[b,c,d]@0.5']);
  calls[1].answer(300);
  await flush();
  // the wave's lead has gone: the next call is a batch again, not another row alone
  expect(calls.map((c) => c.label)).toEqual(['a@0.5', '[b,c,d]@0.5', '[e,f,g]@0.5']);
  calls[2].answer(300);
  await flush();
  expect(calls.map((c) => c.label)).toEqual(['a@0.5', '[b,c,d]@0.5', '[e,f,g]@0.5', 'h@0.5']);
  calls[3].answer(300);
  await Promise.all(wave);
  expect(rows.busy).toBe(false);
});

test('the estimate follows the model: half the old, half the new per-image time', async () => {
  const { wire, calls } = recordingWire();
  const rows = new RowScheduler(wire, { maxBatch: 8, leadAlone: true });
  rows.observe(600); // e.g. the warm-up (MaeClient.load)
  const wave = ROWS.slice(0, 4).map((id, i) => rows.reconstruct({ imageId: id, maskRatio: 0.5, seed: i }));
  await flush();
  expect(calls.map((c) => c.label)).toEqual(['a@0.5']);
  calls[0].answer(200); // (600 + 200) / 2 = 400 → 1000 / 400 = 2 per call
  await flush();
  expect(rows.imageMs).toBe(400);
  expect(calls[1].label).toBe('[b,c]@0.5');
  calls[1].answer(100); // (400 + 100) / 2 = 250 → 4 per call; one row is left
  await flush();
  expect(rows.imageMs).toBe(250);
  expect(calls[2].label).toBe('d@0.5');
  calls[2].answer(100);
  await Promise.all(wave);
});

test('a slider step during a long batch: the new top row is the next call, alone; then the rest in the new order', async () => {
  const { wire, calls } = recordingWire();
  const rows = new RowScheduler(wire, { maxBatch: 8, leadAlone: true });
  rows.observe(450); // ViT-L int8 on 2 threads, about: 1000 / 450 = 2 rows per call
  const outcome: string[] = [];
  const ask = (ratio: number) =>
    ROWS.map((id, i) =>
      rows.reconstruct({ imageId: id, maskRatio: ratio, seed: i }).then(
        (r) => outcome.push(`${r.imageId}@${r.maskRatio}`),
        () => outcome.push(`${id}@${ratio}:superseded`),
      ),
    );
  const first = ask(0.5);
  await flush();
  calls[0].answer(450); // a@0.5
  await flush();
  expect(calls.map((c) => c.label)).toEqual(['a@0.5', '[b,c]@0.5']);
  // The slider moves while [b,c] runs: d..h at 0.5 were waiting and are replaced; the new wave
  // asks a..h at 0.6 top to bottom.
  const second = ask(0.6);
  await flush();
  expect(calls).toHaveLength(2); // one call at a time: [b,c]@0.5 is still running
  calls[1].answer(450);
  await flush();
  // within one call of the step, the top row starts, alone
  expect(calls[2].label).toBe('a@0.6');
  calls[2].answer(450);
  await flush();
  expect(calls[3].label).toBe('[b,c]@0.6');
  calls[3].answer(450);
  await flush();
  expect(calls[4].label).toBe('[d,e]@0.6');
  calls[4].answer(450);
  await flush();
  expect(calls[5].label).toBe('[f,g]@0.6');
  calls[5].answer(450);
  await flush();
  expect(calls[6].label).toBe('h@0.6');
  calls[6].answer(450);
  await Promise.all([...first, ...second]);
  expect(outcome.filter((o) => o.endsWith('superseded')).sort()).toEqual(['d', 'e', 'f', 'g', 'h'].map((id) => `${id}@0.5:superseded`));
  expect(outcome.filter((o) => o.endsWith('@0.6'))).toEqual(ROWS.map((id) => `${id}@0.6`));
  expect(rows.stats).toEqual({ requested: 16, dispatched: 11, superseded: 5 });
});

test('a newer request for a waiting image moves it to the back: the order is the order of the last asks', async () => {
  const { wire, calls } = recordingWire();
  const rows = new RowScheduler(wire, { maxBatch: 1 });
  const settled: string[] = [];
  const track = (p: Promise<ReconstructResult>, label: string) =>
    p.then(
      () => settled.push(`${label}:done`),
      () => settled.push(`${label}:superseded`),
    );
  const p = [
    track(rows.reconstruct({ imageId: 'x', maskRatio: 0.5, seed: 0 }), 'x'),
    track(rows.reconstruct({ imageId: 'a', maskRatio: 0.5, seed: 0 }), 'a@0.5'),
    track(rows.reconstruct({ imageId: 'b', maskRatio: 0.5, seed: 0 }), 'b'),
  ];
  await flush();
  // x runs; a then b wait. a asked again: b, then a.
  const again = track(rows.reconstruct({ imageId: 'a', maskRatio: 0.6, seed: 0 }), 'a@0.6');
  calls[0].answer(10);
  await flush();
  expect(calls[1].label).toBe('b@0.5');
  calls[1].answer(10);
  await flush();
  expect(calls[2].label).toBe('a@0.6');
  calls[2].answer(10);
  await Promise.all([...p, again]);
  expect(settled).toEqual(['a@0.5:superseded', 'x:done', 'b:done', 'a@0.6:done']);
});
