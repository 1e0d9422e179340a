import { useEffect, useState } from 'react';

/**
 * `flag`, except that it turns true only once `flag` has stayed true for `delayMs`; it turns false
 * at once. For busy styling: a quick update then changes nothing on screen, which matters without a
 * GPU, where every restyled frame is rasterised on the CPU the inference needs.
 */
export function useDelayedFlag(flag: boolean, delayMs: number): boolean {
  const [late, setLate] = useState(false);
  useEffect(() => {
    if (!flag) return;
    const timer = setTimeout(() => setLate(true), delayMs);
    return () => {
      clearTimeout(timer);
      setLate(false);
    };
  }, [flag, delayMs]);
  return flag && late;
}
