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
