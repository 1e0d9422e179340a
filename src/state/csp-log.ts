/**
 * Content-Security-Policy violations seen by the page and reported by the worker. There should be
 * none: e2e/privacy.spec.ts asserts that through window.__maeDebug.cspViolations().
 */
export interface CspViolation {
  where: 'page' | 'worker';
  directive: string;
  blockedURI: string;
}

const MAX = 100;
const seen: CspViolation[] = [];

export function recordCspViolation(v: CspViolation): void {
  if (seen.length < MAX) seen.push(v);
  console.warn(`[csp] ${v.where} blocked ${v.blockedURI || '(inline)'} (${v.directive})`);
}

export function cspViolations(): CspViolation[] {
  return seen.slice();
}

export function installCspListener(): void {
  document.addEventListener('securitypolicyviolation', (e) =>
    recordCspViolation({ where: 'page', directive: e.effectiveDirective, blockedURI: e.blockedURI }),
  );
}
