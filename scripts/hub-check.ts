/**
 * `npm run hub:check [-- --origin https://you.github.io]`: for anyone with internet, what the real
 * Hugging Face hub does for "Get the official MAE" today. Lists facebook/vit-mae-base with the tree
 * API, then follows /resolve/main/model.safetensors hop by hop with `Range: bytes=0-0` and prints, per
 * hop, the host, whether the production CSP's connect-src (vite.config.ts cspDirectives) allows it,
 * the status, and the headers a page may read. Exit code 1 when a browser download would fail.
 * Downloads one byte of the file, nothing else.
 */
import { cspDirectives } from '../vite.config.ts';
import { HUB_MODELS, resolveUrl, treeUrl } from '../src/features/models/hub/hub-catalog.ts';
import { describeTree, followHops, report } from './hub-check-lib.ts';

const args = process.argv.slice(2);
const originArg = args.indexOf('--origin');
const origin = originArg >= 0 ? args[originArg + 1] : 'https://example.github.io';
const base = 'https://huggingface.co';
const model = HUB_MODELS[0];
const connectSrc = cspDirectives('production')['connect-src'];

console.log(`connect-src ${connectSrc}`);
console.log(`page origin sent: ${origin}\n`);
try {
  const tree = await fetch(treeUrl(model, base), { headers: { Origin: origin } });
  console.log(
    `file list ${treeUrl(model, base)}: HTTP ${tree.status}, Access-Control-Allow-Origin ${tree.headers.get('access-control-allow-origin') ?? '(none)'}`,
  );
  if (!tree.ok) process.exit(1);
  console.log(`  ${describeTree(await tree.json(), model.file)}\n`);
  const hops = await followHops(resolveUrl(model, base), { connectSrc, origin });
  const { lines, ok } = report(hops);
  for (const line of lines) console.log(line);
  console.log(
    ok ? '\nA browser download would work from this network.' : '\nA browser download would NOT work from this network: see above.',
  );
  process.exit(ok ? 0 : 1);
} catch (e) {
  const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : '';
  console.error(`hub:check could not talk to ${base}: ${e instanceof Error ? e.message : String(e)}${cause}. It needs internet access.`);
  process.exit(2);
}
