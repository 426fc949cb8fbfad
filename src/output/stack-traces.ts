// Synthesizing without the stack traces cdktf records for every token.

/**
 * Runs `fn` with no stack traces captured. cdktf records the full stack trace of every
 * token it creates (only to explain a misused token later), at a cost that grows with
 * the depth of the call: most of the synth time of a big host (bench/RESULTS.md). V8
 * captures nothing while `Error.stackTraceLimit` is not a number; cdktf's own writes
 * to it are dropped. Restored afterwards, however `fn` ends.
 */
export function withoutStackTraces<T>(fn: () => T): T {
  const previous = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
  Object.defineProperty(Error, "stackTraceLimit", { configurable: true, get: () => undefined, set: () => {} });
  try {
    return fn();
  } finally {
    if (previous) Object.defineProperty(Error, "stackTraceLimit", previous);
    else delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
  }
}
