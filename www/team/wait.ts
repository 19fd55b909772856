// Waiting on a word of the team's buffer. A futex wake-up (Atomics.notify to a thread in Atomics.wait) cost about
// 0.7 ms a step on the 2-core machines measured — a sixth of a whole MLP step — while the waits themselves are
// mostly shorter than that. So a waiter first spins on the word, and only then sleeps, saying so in a `sleepers`
// word; the writer notifies only when someone sleeps. With sequentially consistent Atomics no wake-up is missed: the
// writer changes the word before it reads `sleepers`, the sleeper counts itself before Atomics.wait reads the word.

/** How long a waiter spins before it sleeps. */
const SPIN_MS = 2;

export type WaitResult = 'changed' | 'timed-out';

/** Waits until `header[word]` is no longer `value` (spinning, then sleeping), at most `timeoutMs`. */
export function awaitChange(header: Int32Array, word: number, value: number, sleepers: number, timeoutMs: number): WaitResult {
  const start = performance.now();
  while (Atomics.load(header, word) === value) {
    const waited = performance.now() - start;
    if (waited >= timeoutMs) return 'timed-out';
    if (waited < SPIN_MS) continue;
    Atomics.add(header, sleepers, 1);
    Atomics.wait(header, word, value, timeoutMs - waited);
    Atomics.sub(header, sleepers, 1);
  }
  return 'changed';
}

/** Adds `delta` to `header[word]`, waking whoever sleeps on it. */
export function announce(header: Int32Array, word: number, delta: number, sleepers: number): void {
  Atomics.add(header, word, delta);
  if (Atomics.load(header, sleepers) > 0) Atomics.notify(header, word);
}
