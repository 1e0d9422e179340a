import { createContext, useContext, type Context } from 'react';

/**
 * A React context that has no sensible default: the hook throws when a component is rendered
 * without its provider (a wiring mistake in src/app, not something a user can cause). Features
 * declare what they need from the page this way, and src/app provides it.
 */
export function requiredContext<T>(name: string): readonly [Context<T | null>, () => T] {
  const context = createContext<T | null>(null);
  context.displayName = name;
  function useRequired(): T {
    const value = useContext(context);
    if (value === null) throw new Error(`${name} used outside its provider (src/app/PageProviders.tsx)`);
    return value;
  }
  return [context, useRequired] as const;
}
