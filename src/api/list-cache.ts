// A cache of serialized list responses per account (the hot GET of the API). Entries are dropped
// when the account changes: locally after each commit (AddressingService.onChange), and for other
// processes on the same PostgreSQL by polling the audit log (src/store/notify.ts). A generation counter per account keeps a
// read that raced with a change from storing what it read before the change. The cache is bounded in bytes,
// not entries: 1,000 distinct `per_page` values of one big list once grew the heap by 234 MB under an
// entry bound; a body over an eighth of the budget is not cached at all.
export const LIST_CACHE_MAX_BYTES = 32 * 1024 * 1024;

/** Heap bytes of a cached string, near enough: V8 stores one- or two-byte characters; count two. */
const bytesOf = (key: string, value: string) => 2 * (key.length + value.length) + 64;

export class ListCache {
  private readonly byAccount = new Map<string, { gen: number; entries: Map<string, string> }>();
  private globalGen = 0;
  private size = 0;
  /** Estimated bytes held (bytesOf each entry). */
  bytes = 0;

  constructor(
    private readonly maxEntries = 20_000,
    private readonly maxBytes = LIST_CACHE_MAX_BYTES,
  ) {}

  /** The generation to pass to set(); read it before reading the database. */
  generation(account: string): number {
    return this.globalGen * 1_000_000_000 + (this.byAccount.get(account)?.gen ?? 0);
  }

  get(account: string, key: string): string | undefined {
    return this.byAccount.get(account)?.entries.get(key);
  }

  /** Stores `value` unless the account changed since `gen` was read. */
  set(account: string, key: string, value: string, gen: number): void {
    if (gen !== this.generation(account)) return;
    const cost = bytesOf(key, value);
    if (cost > this.maxBytes / 8) return;
    if (this.size >= this.maxEntries || this.bytes + cost > this.maxBytes) this.clear();
    let a = this.byAccount.get(account);
    if (!a) {
      a = { gen: 0, entries: new Map() };
      this.byAccount.set(account, a);
    }
    const old = a.entries.get(key);
    if (old === undefined) this.size++;
    else this.bytes -= bytesOf(key, old);
    this.bytes += cost;
    a.entries.set(key, value);
  }

  invalidate(account: string): void {
    const a = this.byAccount.get(account);
    if (a) {
      this.size -= a.entries.size;
      for (const [k, v] of a.entries) this.bytes -= bytesOf(k, v);
      a.entries.clear();
      a.gen++;
    } else {
      this.byAccount.set(account, { gen: 1, entries: new Map() });
    }
  }

  clear(): void {
    for (const a of this.byAccount.values()) {
      a.entries.clear();
      a.gen++;
    }
    this.size = 0;
    this.bytes = 0;
    this.globalGen++;
  }
}
