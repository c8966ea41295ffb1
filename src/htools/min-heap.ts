// A binary min-heap of item numbers (instance indices) by a numeric key: the balancer's
// scan order. Items are kept in a typed array: storing object references into a
// long-lived array costs a write barrier each, and a step pushes thousands.
export class MinHeap {
  // reused from step to step (clear): a balancing step pushes thousands of items
  private keys = new Float64Array(64);
  private items = new Int32Array(64);
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Empties the heap (its storage kept). */
  clear(): void {
    this.n = 0;
  }

  /** The least key (Infinity when empty). */
  peek(): number {
    return this.n > 0 ? this.keys[0]! : Infinity;
  }

  push(key: number, item: number): void {
    if (this.n === this.keys.length) {
      const k = new Float64Array(2 * this.n);
      k.set(this.keys);
      this.keys = k;
      const it = new Int32Array(2 * this.n);
      it.set(this.items);
      this.items = it;
    }
    const { keys, items } = this;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(keys[p]! > key)) break;
      keys[i] = keys[p]!;
      items[i] = items[p]!;
      i = p;
    }
    keys[i] = key;
    items[i] = item;
  }

  /** Removes and returns the item with the least key (-1 when empty). */
  pop(): number {
    const { keys, items } = this;
    if (this.n === 0) return -1;
    const top = items[0]!;
    const n = --this.n;
    const lastK = keys[n]!;
    const lastI = items[n]!;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && keys[c + 1]! < keys[c]!) c++;
        if (!(keys[c]! < lastK)) break;
        keys[i] = keys[c]!;
        items[i] = items[c]!;
        i = c;
      }
      keys[i] = lastK;
      items[i] = lastI;
    }
    return top;
  }
}
