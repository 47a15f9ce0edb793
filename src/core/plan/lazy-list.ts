/**
 * A list made item by item each time it is read — a month's manifest messages, from the plan's compact records —
 * so the whole list is never held unless a reader maps it. JSON.stringify sees an array (`toJSON`).
 */
export class LazyList<T> implements Iterable<T> {
  constructor(
    readonly length: number,
    private readonly make: () => Iterable<T>,
  ) {}

  [Symbol.iterator](): Iterator<T> {
    return this.make()[Symbol.iterator]();
  }

  map<U>(fn: (item: T, index: number) => U): U[] {
    const out: U[] = [];
    for (const item of this) out.push(fn(item, out.length));
    return out;
  }

  toJSON(): T[] {
    return [...this];
  }
}
