/**
 * The one reload for cross-origin isolation (src/features/offline/isolation.ts): when the page
 * reloads and when it stays, with why. Hand-written cases; the browser side is e2e/pages.spec.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isolationStep, readReloadMark, WHY, writeReloadMark, type IsolationFacts } from '../../src/features/offline/isolation.ts';

const facts = (f: Partial<IsolationFacts>): IsolationFacts => ({
  isolated: false,
  controlled: true,
  alreadyReloaded: false,
  wouldLoseWork: false,
  ...f,
});

describe('isolationStep', () => {
  it('an isolated page (headers from the host, or the worker) never reloads', () => {
    expect(isolationStep(facts({ isolated: true }))).toEqual({ reload: false, why: null });
    expect(isolationStep(facts({ isolated: true, alreadyReloaded: true }))).toEqual({ reload: false, why: null });
  });

  it('reloads once when the worker controls a page that is not isolated', () => {
    expect(isolationStep(facts({}))).toEqual({ reload: true });
  });

  it('never a second time: the mark set before the reload stops it, and says the browser refused', () => {
    expect(isolationStep(facts({ alreadyReloaded: true }))).toEqual({ reload: false, why: WHY.refused });
  });

  it('not without a way to remember (no sessionStorage): no loop possible', () => {
    expect(isolationStep(facts({ alreadyReloaded: null }))).toEqual({ reload: false, why: WHY.noMark });
  });

  it("not over the person's photos or model", () => {
    expect(isolationStep(facts({ wouldLoseWork: true }))).toEqual({ reload: false, why: WHY.keptWork });
  });

  it('waits while no worker controls the page yet', () => {
    expect(isolationStep(facts({ controlled: false }))).toEqual({ reload: false, why: WHY.waiting });
  });
});

describe('the reload mark', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('is kept in sessionStorage and cleared once isolated', () => {
    const store = new Map<string, string>();
    vi.stubGlobal('sessionStorage', {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    });
    expect(readReloadMark()).toBe(false);
    expect(writeReloadMark(true)).toBe(true);
    expect(readReloadMark()).toBe(true);
    expect(writeReloadMark(false)).toBe(true);
    expect(readReloadMark()).toBe(false);
  });

  it('unusable storage (blocked, or absent): null, so the page never reloads', () => {
    vi.stubGlobal('sessionStorage', {
      getItem: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
      removeItem: () => undefined,
    });
    expect(readReloadMark()).toBeNull();
    expect(writeReloadMark(true)).toBe(false);
    expect(isolationStep(facts({ alreadyReloaded: readReloadMark() })).reload).toBe(false);
  });
});
