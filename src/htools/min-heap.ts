// A binary min-heap of items by a numeric key (the balancer's scan order).
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** The least key (Infinity when empty). */
  peek(): number {
    return this.keys.length > 0 ? this.keys[0]! : Infinity;
  }

  push(key: number, item: T): void {
    const { keys, items } = this;
    let i = keys.length;
    keys.push(key);
    items.push(item);
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

  /** Removes and returns the item with the least key (undefined when empty). */
  pop(): T | undefined {
    const { keys, items } = this;
    if (keys.length === 0) return undefined;
    const top = items[0]!;
    const lastK = keys.pop()!;
    const lastI = items.pop()!;
    const n = keys.length;
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
