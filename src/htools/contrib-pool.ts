// Contributions (score-bound.ts Contrib) reused instead of left to the garbage collector.
import { type Contrib, newContrib, resetContrib } from "./score-bound.js";

/**
 * Contributions that nothing refers to any more, reused. A contribution is seven
 * objects; those kept for many steps (source sides, source ranges, peered source
 * sides) and then dropped would otherwise be copied by every scavenge in between and
 * pile up as old-generation garbage (at 1,000 nodes, with the class target ranges
 * then kept as envelopes, they were most of what survived a scavenge).
 */
export class ContribPool {
  private readonly free: Contrib[] = [];
  constructor(private readonly max = 4096) {}

  /** A contribution as newContrib(fill) makes it. */
  take(fill = 0): Contrib {
    const c = this.free.pop();
    return c === undefined ? newContrib(fill) : resetContrib(c, fill);
  }

  /** Takes back `c`: the caller and everyone else must no longer read or write it. */
  give(c: Contrib): void {
    if (this.free.length < this.max) this.free.push(c);
  }
}
