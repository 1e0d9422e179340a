// The bench and soak scripts' command line: `--name value` options and bare `--flag`s.
export const argv = process.argv.slice(2);

/** The value after `--name`, or `dflt` when the option is absent. */
export function opt(name, dflt) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
}
