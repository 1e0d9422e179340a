// Entry point of the MAE command line tool; see cli-main.ts for what it does (or run with --help).
// Node 20 cannot run .ts by itself: start it as
//   node --import ./src/cli/register-ts.mjs src/cli/mae-cli.ts [options] images...
// (Node >= 22.6 also runs it with --experimental-strip-types: only erasable syntax is used.)
import { runCli } from './cli-main.ts';

process.exitCode = await runCli(process.argv.slice(2));
