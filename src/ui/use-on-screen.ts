import { useEffect, useRef } from 'react';
import { useStore } from '../state/store.ts';

/**
 * Tells the store whether a row's view is near the viewport (within a screen's margin), so the row
 * pipeline can hold back rows off screen while a large model runs (row-pipeline.ts, lazy rows).
 */
export function useOnScreen<T extends Element>(rowId: string) {
  const ref = useRef<T>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        const onScreen = entries.some((e) => e.isIntersecting);
        const s = useStore.getState();
        if (s.rows.find((r) => r.id === rowId)?.onScreen !== onScreen) s.updateRow(rowId, { onScreen });
      },
      { rootMargin: '200px 0px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [rowId]);
  return ref;
}
