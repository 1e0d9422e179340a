// Module hooks that let Node 20 run this repo's TypeScript without a build step or extra tools.
// Node >= 22.6 can strip types itself (--experimental-strip-types); Node 20 cannot, so .ts files
// are transpiled on load with the TypeScript compiler already in devDependencies. The sources use
// only erasable syntax (no enums, no parameter properties) and `import type`, so this is the same
// transformation Node's own type stripping performs.
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: new URL(url).pathname,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
      inlineSourceMap: true,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
