/**
 * One error type for everything that can be wrong with a weights file. Its message is written for
 * the person who chose the file: what is wrong, and what to do instead. Anything else thrown while
 * importing is a bug, not a bad file.
 */
export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

/** Byte counts in messages: "1.32 GB", "448 MB", "12 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${bytes} bytes`;
}
