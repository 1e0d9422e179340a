// `npm run deploy:files`: rewrites docs/deploy/_headers and docs/deploy/nginx.conf from the build's
// Content-Security-Policy (vite.config.ts) after it changes; tests/unit/deploy-files.test.ts checks them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { headersFile, nginxConf } from '../src/features/offline/deploy-files.ts';
import { CONTENT_SECURITY_POLICY } from '../vite.config.ts';

const dir = fileURLToPath(new URL('../docs/deploy/', import.meta.url));
writeFileSync(join(dir, '_headers'), headersFile(CONTENT_SECURITY_POLICY));
writeFileSync(join(dir, 'nginx.conf'), nginxConf(CONTENT_SECURITY_POLICY));
console.log(`deploy-files: wrote ${dir}_headers and ${dir}nginx.conf`);
