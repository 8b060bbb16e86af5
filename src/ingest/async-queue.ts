// A bounded single-consumer queue exposed as an async iterator. Live video favours the newest
// frame: when the consumer falls behind, the oldest queued item is dropped (and counted).

export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter?: (r: IteratorResult<T>) => void;
  private ended = false;

  constructor(
    private readonly max: number,
    private readonly onDrop?: (item: T) => void,
    /** Called after the consumer took an item (lets a producer resume). */
    private readonly onTake?: () => void,
  ) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (this.items.length > this.max) this.onDrop?.(this.items.shift()!);
  }

  /** No more items; a waiting consumer finishes after draining what is queued. */
  end(): void {
    this.ended = true;
    if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  get size(): number {
    return this.items.length;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) {
          const value = this.items.shift()!;
          this.onTake?.();
          return Promise.resolve({ value, done: false });
        }
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((r) => (this.waiter = r));
      },
      return: () => {
        this.end();
        this.items.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
