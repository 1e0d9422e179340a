/**
 * The server configurations for hosts that can send headers, written from the build's single sources
 * (vite.config.ts: the Content-Security-Policy, and the isolation headers): a `_headers` file for
 * Netlify and Cloudflare Pages (the build also writes it into dist/, where those hosts read it) and
 * an nginx snippet. Both send the CSP as a header too, since `frame-ancestors` cannot live in the
 * page's <meta> CSP. docs/deploy/ holds copies; tests/unit/deploy-files.test.ts fails when they
 * drift from these (`npm run deploy:files` rewrites them).
 */

/** What every response of the site carries on a host that can send headers. */
export function siteHeaders(csp: string): [string, string][] {
  return [
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Embedder-Policy', 'require-corp'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Content-Security-Policy', csp],
    ['X-Content-Type-Options', 'nosniff'],
  ];
}

const GENERATED = 'Generated from vite.config.ts (src/features/offline/deploy-files.ts): npm run deploy:files rewrites it.';

/** Netlify / Cloudflare Pages `_headers`: every path of the site. */
export function headersFile(csp: string): string {
  const lines = [`# ${GENERATED}`, '/*', ...siteHeaders(csp).map(([k, v]) => `  ${k}: ${v}`), ''];
  return lines.join('\n');
}

/** nginx: a location block for the folder the site is copied to, with the MIME types it needs. */
export function nginxConf(csp: string): string {
  const headers = siteHeaders(csp).map(([k, v]) => `    add_header ${k} "${v}" always;`);
  return [
    `# ${GENERATED}`,
    '# MAE Playground on nginx: copy dist/ to /var/www/mae-playground/ and include this in a server { } block.',
    '# Any sub-path works (the build uses relative URLs); change both paths below to serve it elsewhere.',
    'location /mae-playground/ {',
    '    alias /var/www/mae-playground/;',
    '    # No rewrites: a missing file is a 404, never index.html (a model URL must not answer with HTML).',
    '    try_files $uri $uri/ =404;',
    '    # nginx builds before 1.21 lack these two; .mjs must be JavaScript for module workers.',
    '    types {',
    '        application/wasm wasm;',
    '        text/javascript mjs js;',
    '        application/manifest+json webmanifest;',
    '        text/html html;',
    '        text/css css;',
    '        application/json json;',
    '        image/png png;',
    '        image/jpeg jpg;',
    '    }',
    '    default_type application/octet-stream;',
    '    # Cross-origin isolation (WebAssembly threads) and the full Content-Security-Policy.',
    ...headers,
    '}',
    '',
  ].join('\n');
}
