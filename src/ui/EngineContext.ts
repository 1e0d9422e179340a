import { createContext, useContext } from 'react';
import type { Engine } from '../state/engine.ts';

export const EngineContext = createContext<Engine | null>(null);

export function useEngine(): Engine {
  const engine = useContext(EngineContext);
  if (!engine) throw new Error('useEngine() outside <EngineContext.Provider>');
  return engine;
}
