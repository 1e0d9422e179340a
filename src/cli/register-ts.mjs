// `node --import ./src/cli/register-ts.mjs file.ts`: installs ts-hooks.mjs unless this Node
// already runs TypeScript natively (process.features.typescript, Node >= 22.10).
import { register } from 'node:module';

if (!process.features?.typescript) register('./ts-hooks.mjs', import.meta.url);
