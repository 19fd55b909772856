// A trap (a `WebAssembly.RuntimeError`: out of memory, `unreachable`) can leave the wasm instance half-changed —
// wasm-bindgen's borrow flags set, the allocator in the middle of its work — so after one the worker makes no further
// call into it. Every call into wasm goes through `run`, which refuses once trapped and turns the first trap into one
// report (where, what) for the element, which starts a new worker.
import type { TrapSite } from '../protocol.js';

/** Thrown instead of calling into wasm once it has trapped (and in place of the trap itself). */
export class Trapped extends Error {}

export class TrapGuard {
  #trapped: string | null = null;
  readonly #report: (where: TrapSite, message: string) => void;
  /**
   * For the end-to-end tests only: the next call at this site throws a RuntimeError, as a real trap would. Set by
   * Playwright evaluating in this worker's own scope; no message reaches it, so a page cannot.
   */
  injectAt: TrapSite | null = null;

  constructor(report: (where: TrapSite, message: string) => void) {
    this.#report = report;
  }

  get trapped(): boolean {
    return this.#trapped !== null;
  }

  /** A trap in wasm that works for this worker elsewhere (its evaluator's): reported as this worker's own, once. */
  trappedElsewhere(where: TrapSite, message: string): void {
    if (this.#trapped !== null) return;
    this.#trapped = `The training worker stopped: its WebAssembly trapped (${message}) at ${where}.`;
    this.#report(where, message);
  }

  /** `call` (which calls into wasm), unless wasm has trapped; a trap here is reported once and rethrown as `Trapped`. */
  run<T>(where: TrapSite, call: () => T): T {
    if (this.#trapped !== null) throw new Trapped(this.#trapped);
    try {
      if (this.injectAt === where) {
        this.injectAt = null;
        throw new WebAssembly.RuntimeError(`injected at ${where}`);
      }
      return call();
    } catch (cause) {
      if (!(cause instanceof WebAssembly.RuntimeError)) throw cause;
      this.#trapped = `The training worker stopped: its WebAssembly trapped (${cause.message}) at ${where}.`;
      this.#report(where, cause.message);
      throw new Trapped(this.#trapped);
    }
  }
}
