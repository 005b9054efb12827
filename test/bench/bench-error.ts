/** A benchmark that cannot measure: its message is the one line the user sees (no stack). */
export class BenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchError';
  }
}
