/**
 * The server configurations in docs/deploy/ carry the build's own Content-Security-Policy
 * (vite.config.ts, the single source) and the isolation headers, so they cannot drift from it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { headersFile, nginxConf } from '../../src/features/offline/deploy-files.ts';
import { CONTENT_SECURITY_POLICY, cspDirectives } from '../../vite.config.ts';

const doc = (name: string): string => readFileSync(new URL(`../../docs/deploy/${name}`, import.meta.url), 'utf8');
const REGENERATE = 'docs/deploy/ is out of date with vite.config.ts: run npm run deploy:files';

/** Header name → value, from the `  Name: value` lines of a _headers file. */
function parseHeaders(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s+([A-Za-z-]+):\s*(.+)$/.exec(line);
    if (m) out.set(m[1].toLowerCase(), m[2]);
  }
  return out;
}

describe('docs/deploy', () => {
  it('_headers and nginx.conf are what the build writes from its CSP', () => {
    expect(doc('_headers'), REGENERATE).toBe(headersFile(CONTENT_SECURITY_POLICY));
    expect(doc('nginx.conf'), REGENERATE).toBe(nginxConf(CONTENT_SECURITY_POLICY));
  });

  it('_headers sends every CSP directive, frame-ancestors included, and COOP/COEP/CORP', () => {
    const h = parseHeaders(doc('_headers'));
    expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(h.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(h.get('cross-origin-resource-policy')).toBe('same-origin');
    const csp = h.get('content-security-policy') ?? '';
    const sent = new Map(
      csp
        .split(';')
        .map((d) => d.trim())
        .filter(Boolean)
        .map((d) => [d.split(/\s+/)[0], d]),
    );
    for (const [k, v] of Object.entries(cspDirectives())) expect(sent.get(k), k).toBe(`${k} ${v}`);
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('nginx.conf: the headers on every response, .wasm and .mjs with their MIME types, no SPA fallback', () => {
    const conf = doc('nginx.conf');
    expect(conf).toContain(`add_header Content-Security-Policy "${CONTENT_SECURITY_POLICY}" always;`);
    expect(conf).toContain('add_header Cross-Origin-Embedder-Policy "require-corp" always;');
    expect(conf).toContain('add_header Cross-Origin-Opener-Policy "same-origin" always;');
    expect(conf).toMatch(/application\/wasm\s+wasm;/);
    expect(conf).toMatch(/text\/javascript\s+mjs/);
    expect(conf).toContain('try_files $uri $uri/ =404;');
    expect(conf).not.toContain('index.html;');
  });
});
