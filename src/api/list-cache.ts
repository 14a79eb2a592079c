// A cache of serialized list responses per account (the hot GET of the API). Entries are dropped
// when the account changes: locally after each commit (AddressingService.onChange), and for other
// processes on the same PostgreSQL by polling the audit log (src/store/notify.ts). A generation counter per account keeps a
// read that raced with a change from storing what it read before the change.
export class ListCache {
  private readonly byAccount = new Map<string, { gen: number; entries: Map<string, string> }>();
  private globalGen = 0;
  private size = 0;

  constructor(private readonly maxEntries = 20_000) {}

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
    if (this.size >= this.maxEntries) this.clear();
    let a = this.byAccount.get(account);
    if (!a) {
      a = { gen: 0, entries: new Map() };
      this.byAccount.set(account, a);
    }
    if (!a.entries.has(key)) this.size++;
    a.entries.set(key, value);
  }

  invalidate(account: string): void {
    const a = this.byAccount.get(account);
    if (a) {
      this.size -= a.entries.size;
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
    this.globalGen++;
  }
}
