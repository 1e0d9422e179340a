import { useEffect, useState } from 'react';
import { useStore } from '../state/store.ts';

/**
 * Says status changes to screen readers, politely (after what they are reading): a model that
 * finished loading, the runtime moving (e.g. from WebGPU to WASM, with the reason), and model errors.
 * Visually hidden: the page already shows each of these. Each subscription has a selector, so row
 * updates never reach it.
 */
export function Announcer() {
  const [message, setMessage] = useState('');
  useEffect(() => {
    const unsubscribe = [
      useStore.subscribe(
        (s) => (s.model.phase === 'ready' ? (s.model.manifest?.name ?? null) : null),
        (name) => {
          if (name) setMessage(`Model loaded: ${name}`);
        },
      ),
      useStore.subscribe(
        (s) => s.model.error ?? s.model.switchError,
        (error) => {
          if (error) setMessage(`Model error: ${error}`);
        },
      ),
      useStore.subscribe(
        (s) => s.provider.active,
        (provider, previous) => {
          if (!provider || !previous || provider === previous) return;
          const reason = useStore.getState().provider.reason;
          setMessage(`Now running on ${provider === 'webgpu' ? 'WebGPU' : 'WASM'}${reason ? `: ${reason}` : ''}`);
        },
      ),
    ];
    return () => unsubscribe.forEach((u) => u());
  }, []);
  return (
    <div className="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
      {message}
    </div>
  );
}
