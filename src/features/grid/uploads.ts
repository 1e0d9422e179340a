/**
 * Many files at once: how many fit in the grid, and a progress count until each added file has
 * its first answer (a reconstruction or its own error).
 */
import { useStore, type Row } from '../../state/store.ts';

/** Most rows the grid holds (samples included): each row keeps ~1.5 MB of panels and tensors. */
export const MAX_ROWS = 100;

/** How many of `offered` files to add to a grid of `existing` rows, and what to tell the person. */
export function admitFiles(offered: number, existing: number, max = MAX_ROWS): { take: number; notice: string | null } {
  const room = Math.max(0, max - existing);
  const take = Math.min(offered, room);
  if (take === offered) return { take, notice: null };
  const files = offered === 1 ? 'the file' : `the ${offered} files`;
  if (take === 0) return { take, notice: `The grid is full (${max} images): ${files} were not added. Remove some rows (×) first.` };
  return { take, notice: `Added ${take} of ${offered} files: the grid holds at most ${max} images. Remove some rows (×) to add more.` };
}

function answered(row: Row | undefined): boolean {
  return row === undefined || row.status === 'error' || (row.status === 'done' && row.result !== null);
}

/** Counts added files until each has its first answer; publishes { done, total } in the store. */
export class UploadTracker {
  private pending = new Set<string>();
  private total = 0;
  private unsubscribe: (() => void) | null = null;

  add(ids: readonly string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) this.pending.add(id);
    this.total += ids.length;
    this.unsubscribe ??= useStore.subscribe(
      (s) => s.rows,
      (rows) => this.check(rows),
    );
    this.check(useStore.getState().rows);
  }

  private check(rows: readonly Row[]): void {
    if (this.pending.size === 0) return;
    const byId = new Map(rows.map((r) => [r.id, r]));
    let changed = false;
    for (const id of this.pending) {
      if (answered(byId.get(id))) {
        this.pending.delete(id);
        changed = true;
      }
    }
    const done = this.total - this.pending.size;
    const cur = useStore.getState().uploads;
    if (this.pending.size === 0) {
      this.total = 0;
      this.unsubscribe?.();
      this.unsubscribe = null;
      if (cur !== null) useStore.getState().setUploads(null);
    } else if (changed || cur === null || cur.total !== this.total) {
      useStore.getState().setUploads({ done, total: this.total });
    }
  }
}
