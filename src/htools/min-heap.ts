// A binary min-heap of items by a numeric key (the balancer's scan order).
export class MinHeap<T> {
  // reused from step to step (clear): a balancing step pushes thousands of items
  private keys = new Float64Array(64);
  private items: (T | undefined)[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Empties the heap (its storage kept). */
  clear(): void {
    this.items.fill(undefined, 0, this.n);
    this.n = 0;
  }

  /** The least key (Infinity when empty). */
  peek(): number {
    return this.n > 0 ? this.keys[0]! : Infinity;
  }

  push(key: number, item: T): void {
    if (this.n === this.keys.length) {
      const k = new Float64Array(2 * this.n);
      k.set(this.keys);
      this.keys = k;
    }
    const { keys, items } = this;
    let i = this.n++;
    if (items.length < this.n) items.push(undefined);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(keys[p]! > key)) break;
      keys[i] = keys[p]!;
      items[i] = items[p];
      i = p;
    }
    keys[i] = key;
    items[i] = item;
  }

  /** Removes and returns the item with the least key (undefined when empty). */
  pop(): T | undefined {
    const { keys, items } = this;
    if (this.n === 0) return undefined;
    const top = items[0];
    const n = --this.n;
    const lastK = keys[n]!;
    const lastI = items[n];
    items[n] = undefined;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && keys[c + 1]! < keys[c]!) c++;
        if (!(keys[c]! < lastK)) break;
        keys[i] = keys[c]!;
        items[i] = items[c];
        i = c;
      }
      keys[i] = lastK;
      items[i] = lastI;
    }
    return top;
  }
}
