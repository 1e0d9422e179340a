/**
 * The hosts "Get the official MAE" may contact, the one list both the Content-Security-Policy
 * (vite.config.ts, connect-src) and `npm run hub:check` read. No DOM, no Vite: Node imports it too.
 *
 * Why wildcards: the hub answers /resolve/ with a redirect to whichever file server holds the file for
 * this visitor (2026: cas-bridge.xethub.hf.co, transfer.xethub.hf.co, us.aws.cdn.hf.co,
 * eu.aws.cdn.hf.co, cdn-lfs*.hf.co, cdn-lfs*.huggingface.co …). The list changes with the hub's
 * storage (LFS to Xet) and with the visitor's region; a fixed list of names blocked everyone sent to a
 * host it did not name. Every one of them sits under hf.co or huggingface.co, which only Hugging Face
 * controls, so the policy allows those two domains' subdomains and nothing else.
 */

/** The hub the page asks: file lists (/api/models/…/tree/…) and /resolve/ URLs. */
export const HUB_BASE = 'https://huggingface.co';
/** connect-src beyond 'self' in the production build, exactly. */
export const HUB_HOSTS = [HUB_BASE, 'https://*.hf.co', 'https://*.huggingface.co'] as const;

/**
 * The test build's stand-in hub (e2e/hub-server.ts): the hub, its file server on a second origin
 * (both in the test build's connect-src), and a third origin that is not, standing in for a file
 * server a policy does not name (eu.aws.cdn.hf.co against the old fixed list).
 */
export const E2E_HUB = { base: 'http://127.0.0.1:4801', cdn: 'http://localhost:4802', outside: 'http://localhost:4803' } as const;
export const E2E_HUB_HOSTS = [E2E_HUB.base, E2E_HUB.cdn] as const;

/**
 * Whether a connect-src source list lets the page fetch `url` (CSP Level 3 host-source matching:
 * scheme, `*.` subdomain wildcard, port; 'self' is the page's own origin, given as `selfOrigin`).
 */
export function cspAllows(sourceList: string, url: string, selfOrigin?: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  const defaultPort = (scheme: string): string => (scheme === 'https:' ? '443' : scheme === 'http:' ? '80' : '');
  const targetPort = target.port || defaultPort(target.protocol);
  return sourceList
    .split(/\s+/)
    .filter(Boolean)
    .some((source) => {
      if (source === "'self'") return selfOrigin !== undefined && new URL(selfOrigin).origin === target.origin;
      if (source.startsWith("'")) return false;
      const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*|(?:\*\.)?[a-z0-9.-]+)(?::(\d+|\*))?(\/.*)?$/i.exec(source);
      if (!m) return false;
      const [, scheme, host, port] = m;
      if (scheme && `${scheme.toLowerCase()}:` !== target.protocol && !(scheme === 'http' && target.protocol === 'https:')) return false;
      const name = target.hostname.toLowerCase();
      const pattern = host.toLowerCase();
      if (pattern === '*') {
        // a bare * matches any host
      } else if (pattern.startsWith('*.')) {
        if (!name.endsWith(pattern.slice(1))) return false; // "*.hf.co": a subdomain, not hf.co itself
      } else if (name !== pattern) {
        return false;
      }
      if (port === '*') return true;
      const wanted = port ?? defaultPort(scheme ? `${scheme.toLowerCase()}:` : target.protocol);
      return wanted === targetPort || (port === undefined && scheme === 'http' && target.protocol === 'https:' && targetPort === '443');
    });
}
