// The BIRD 2 driver behind src/edge's Speaker port. apply(view):
//   1. render the view into the include file (written beside, then renamed: BIRD never reads half a file);
//   2. `configure check` (a refused file is put back and the error raised);
//   3. `configure timeout N`: BIRD applies it and undoes it by itself after N s unless confirmed;
//   4. read back what BIRD exports (`show route export <upstream> all`) until it equals the view;
//   5. `configure confirm`, or `configure undo` when the read-back never matched.
// An agent that dies between 3 and 5 leaves BIRD to return to the previous configuration on its own.
// Only the static protocols change between snapshots, so BGP sessions are never reset by an apply.
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { Speaker } from '../edge/agent.js';
import type { Announcement } from '../snapshot/model.js';
import type { LocationView } from '../snapshot/view.js';
import { BIRD_MAX_INPUT_BYTES, BirdControl, BirdError, type BirdReply } from './bird-control.js';
import {
  accountsOf,
  EXPORT_FILTER,
  type ExportedRoute,
  exportedDigest,
  exportsAs,
  IncludeRenderer,
  parseShowRouteAll,
} from './bird-render.js';
import { type AnnouncementChange, announcementChanges, changedAnnouncements, newSide } from './view-diff.js';

export interface BirdSpeakerOptions {
  /** BIRD's control socket (bird -s). */
  socket: string;
  /** The include file the operator's bird.conf includes at top level (it defines failsmall_export). */
  includePath: string;
  localAs: number;
  /** BGP protocols whose export is read back (the upstream sessions). */
  upstreams: readonly string[];
  /** `configure timeout N`: seconds BIRD waits for the confirm before undoing by itself. */
  confirmTimeoutS?: number;
  /** How long the read-back may take to equal the view before the change is undone. */
  settleMs?: number;
  /** Fault injection for system tests: wait this long after `configure timeout`, before reading back. */
  holdBeforeConfirmMs?: number;
  log?: (event: string, detail: Record<string, unknown>) => void;
}

export interface SessionState {
  name: string;
  state: string;
  /** BIRD's "since" column: changes whenever the session goes down or comes up. */
  since: string;
  info: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** BIRD's "since" as milliseconds of the day ("03:41:37.631"), or null for another form (a date). */
function sinceMs(since: string): number | null {
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?$/.exec(since);
  if (!m) return null;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number((m[4] ?? '0').padEnd(3, '0'));
}

/**
 * Whether two readings of `show protocols` show the same session (not reset in between): same name and
 * state, "since" within 1 s. BIRD keeps the time of a state change on its monotonic clock and converts it
 * to wall-clock time when it prints it, so one unchanged session reads a few ms apart (03:41:37.631, then
 * .614, then .621, seen 2026-12-02); a reset re-establishes the session at least the connect retry later.
 */
export function sameSession(a: SessionState, b: SessionState): boolean {
  if (a.name !== b.name || a.state !== b.state) return false;
  const x = sinceMs(a.since);
  const y = sinceMs(b.since);
  return x === null || y === null ? a.since === b.since : Math.abs(x - y) < 1000;
}

export class BirdSpeaker implements Speaker {
  readonly control: BirdControl;
  /** The view BIRD should export (what the drift check compares with), and its prefix → account map once built. */
  private expected: LocationView | null = null;
  private accountsMemo: { view: LocationView; accounts: Map<string, string> } | null = null;
  private readonly renderer: IncludeRenderer;
  /** The last view a read-back confirmed, while no read-back has seen BIRD differ from it since. */
  private trusted: LocationView | null = null;
  private readonly confirmTimeoutS: number;
  private readonly settleMs: number;

  constructor(private readonly o: BirdSpeakerOptions) {
    this.control = new BirdControl(o.socket);
    this.confirmTimeoutS = o.confirmTimeoutS ?? 30;
    this.settleMs = o.settleMs ?? 20_000;
    this.renderer = new IncludeRenderer({ localAs: o.localAs });
  }

  /** prefix → account of `view` (BIRD does not know accounts; a full read-back's digest needs them), built once per view. */
  private accountsOf(view: LocationView | null): Map<string, string> {
    if (view === null) return new Map();
    if (this.accountsMemo?.view !== view) this.accountsMemo = { view, accounts: accountsOf(view) };
    return this.accountsMemo.accounts;
  }

  /** Takes `view` as what BIRD should export, without changing BIRD (agent restart: check first). */
  expect(view: LocationView): void {
    this.expected = view;
    this.trusted = null;
  }

  async apply(view: LocationView): Promise<void> {
    const log = this.o.log ?? (() => undefined);
    const tStart = Date.now();
    // Incremental render: only the announcements changed since the view rendered last (see IncludeRenderer).
    const basis = this.renderer.rendered;
    const changes =
      basis === null ? undefined : basis.snapshotId === view.snapshotId ? new Map() : announcementChanges(basis, view);
    const text = this.renderer.render(view, changes);
    if (view.announceCount === 0 && view.withdrawAll === null) {
      // Defence in depth behind EdgeAgent's rule: never empty a speaker that exports something.
      const now = await this.readBack(view);
      if (now.count > 0)
        throw new Error(`refusing to withdraw all ${now.count} routes: the snapshot carries no withdraw-all mark`);
    }
    const before = await this.currentInclude();
    if (before === text && (await this.readBack(view)).digest === view.announceDigest) {
      this.expected = view;
      this.trusted = view;
      return;
    }
    this.trusted = before === text ? null : this.trusted;
    await this.writeInclude(text);
    const restore = async () => {
      if (before !== null) await this.writeInclude(before);
    };
    const tCheck = Date.now();
    try {
      await this.control.command('configure check');
    } catch (e) {
      await restore();
      throw e;
    }
    const t0 = Date.now();
    const checkMs = t0 - tCheck;
    await this.control.command(`configure timeout ${this.confirmTimeoutS}`);
    const configureMs = Date.now() - t0;
    log('configured', { snapshot: view.snapshotNumber, timeoutS: this.confirmTimeoutS });
    if (this.o.holdBeforeConfirmMs) await sleep(this.o.holdBeforeConfirmMs);
    // Incremental read-back when the previous view was confirmed and nothing has been seen to drift
    // since: the export count, plus each route the diff touched read back one by one. The periodic
    // drift check reads everything back right after. Otherwise (first apply, repair, big diffs): all.
    const prev = this.trusted;
    const tDiff = Date.now();
    const changed =
      prev === null || prev.snapshotId === view.snapshotId
        ? null
        : prev === basis && changes
          ? newSide(changes as Map<string, AnnouncementChange>)
          : changedAnnouncements(prev, view);
    const diffMs = Date.now() - tDiff;
    const incremental = changed !== null && changed.size <= Math.max(1000, view.announceCount / 20);
    let got: { digest: string; count: number; stats?: Record<string, number> };
    if (incremental) got = await this.matchesIncrementally(view, changed, t0 + this.settleMs);
    else {
      got = await this.readBack(view);
      while (got.digest !== view.announceDigest && Date.now() - t0 < this.settleMs) {
        await sleep(50);
        got = await this.readBack(view);
      }
    }
    if (got.digest !== view.announceDigest) {
      this.trusted = null;
      await this.control.command('configure undo').catch(() => undefined);
      await restore();
      throw new Error(
        `BIRD exports ${got.count} routes (${got.digest}) after ${this.settleMs} ms, the view has ${view.announceCount} (${view.announceDigest}): undone`,
      );
    }
    await this.control.command('configure confirm');
    this.expected = view;
    this.trusted = view;
    log('confirmed', {
      snapshot: view.snapshotNumber,
      routes: got.count,
      readBack: incremental ? `incremental (${changed?.size} changed)` : 'full',
      ms: Date.now() - tCheck,
      renderMs: tCheck - tStart,
      diffMs,
      ...(got.stats
        ? { readBackRounds: got.stats.rounds, lookupMs: got.stats.lookupMs, countMs: got.stats.countMs }
        : {}),
      checkMs,
      configureMs,
      readBackMs: Date.now() - t0 - configureMs,
    });
  }

  async announced(): Promise<{ digest: string; count: number }> {
    const got = await this.readBack(this.expected);
    if (this.trusted && got.digest !== this.trusted.announceDigest) this.trusted = null;
    return got;
  }

  /**
   * The incremental read-back: every changed route read back (in batches, over a few control connections)
   * until each is as the view says (or gone, when withdrawn), retrying only those that are not yet; then the
   * export count once. BIRD applies a new configuration asynchronously, but a route it shows with the new
   * attributes stays so (the old configuration comes back only through `configure undo`), so what matched
   * needs no second look. The result is a digest comparable with the view's: the view's own when all is
   * well, otherwise one that names the mismatch.
   */
  private async matchesIncrementally(
    view: LocationView,
    changed: ReadonlyMap<string, Announcement | null>,
    until: number,
  ): Promise<{ digest: string; count: number; stats: { rounds: number; lookupMs: number; countMs: number } }> {
    const up = (await this.sessions()).find((s) => s.state === 'up' && this.o.upstreams.includes(s.name));
    const pending = new Map(changed);
    const stats = { rounds: 0, lookupMs: 0, countMs: 0 };
    for (;;) {
      stats.rounds++;
      const t = Date.now();
      await this.confirmPending(pending, up?.name);
      stats.lookupMs += Date.now() - t;
      if (pending.size === 0) {
        const tc = Date.now();
        const count = await this.exportCount(up?.name ?? null);
        stats.countMs += Date.now() - tc;
        if (count === view.announceCount) return { digest: view.announceDigest, count, stats };
        if (Date.now() >= until) return { digest: `count ${count}`, count, stats };
      } else if (Date.now() >= until) {
        return { digest: `mismatch at ${[...pending.keys()][0]}`, count: -1, stats };
      }
      await sleep(50);
    }
  }

  /**
   * Reads back each route of `pending` (one exact-prefix query each, batched per connection, over a few
   * connections in parallel: BIRD serves a connection's commands in order; a query is a table lookup and the
   * round trip is the cost) and removes those BIRD exports as the view says.
   */
  private async confirmPending(pending: Map<string, Announcement | null>, upstream: string | undefined): Promise<void> {
    const list = [...pending.keys()];
    const query = (prefix: string) =>
      upstream ? `show route ${prefix} export ${upstream} all` : `show route ${prefix} filter ${EXPORT_FILTER} all`;
    const batches: string[][] = [];
    for (let i = 0, bytes = 0; i < list.length; i++) {
      const n = Buffer.byteLength(query(list[i] as string)) + 1;
      if (batches.length === 0 || bytes + n > BIRD_MAX_INPUT_BYTES) {
        batches.push([]);
        bytes = 0;
      }
      (batches[batches.length - 1] as string[]).push(list[i] as string);
      bytes += n;
    }
    let next = 0;
    await Promise.all(
      this.lanes().map(async (lane) => {
        while (next < batches.length) {
          const batch = batches[next++] as string[];
          const replies = await lane.batch(batch.map(query));
          for (const [i, prefix] of batch.entries()) {
            const r = replies[i] as BirdReply | BirdError;
            // an error reply is "Network not found": not exported
            const routes = r instanceof BirdError ? [] : parseShowRouteAll(r.lines).filter((x) => x.prefix === prefix);
            const want = pending.get(prefix) ?? null;
            const ok =
              want === null
                ? routes.length === 0
                : routes.length === 1 && exportsAs(routes[0] as ExportedRoute, want, this.o.localAs);
            if (ok) pending.delete(prefix);
          }
        }
      }),
    );
  }

  /**
   * How many routes BIRD has exported to the upstream: `show route exported <upstream> count` counts the
   * routes the channel's export map marks as sent (15 ms, 10 ms of BIRD's CPU at 100k) where `show route
   * export` runs the export filter on every route again (69 ms, 30 ms CPU; measured 2026-12-02, load 3-5).
   * Without an established upstream, the filter over the tables.
   */
  private async exportCount(upstream: string | null): Promise<number> {
    const cmds = upstream
      ? [`show route exported ${upstream} count`]
      : [
          `show route table master4 filter ${EXPORT_FILTER} count`,
          `show route table master6 filter ${EXPORT_FILTER} count`,
        ];
    let n = 0;
    for (const c of cmds) {
      try {
        for (const l of (await this.control.command(c)).lines) {
          const m = /^(\d+) of \d+ routes/.exec(l.text);
          if (m) n += Number(m[1]);
        }
      } catch (e) {
        if (!(e instanceof BirdError)) throw e;
      }
    }
    return n;
  }

  /** The routes BIRD exports right now, read from BIRD. */
  async exported(): Promise<ExportedRoute[]> {
    const up = (await this.sessions()).find((s) => s.state === 'up' && this.o.upstreams.includes(s.name));
    // `show route export` needs an established channel; without one, the same filter over the table.
    const cmds = up
      ? [`show route export ${up.name} all`]
      : [
          `show route table master4 filter ${EXPORT_FILTER} all`,
          `show route table master6 filter ${EXPORT_FILTER} all`,
        ];
    const out: ExportedRoute[] = [];
    for (const c of cmds) {
      try {
        // (a loop, not push(...xs): a million routes would overflow the argument stack)
        for (const r of parseShowRouteAll((await this.control.command(c)).lines)) out.push(r);
      } catch (e) {
        // No static protocol yet (a BIRD started without our include): it exports nothing of ours.
        if (!(e instanceof BirdError)) throw e;
      }
    }
    return out;
  }

  /** What BIRD exports, as a digest comparable with `view`'s (routes `view` lacks never match). */
  private async readBack(view: LocationView | null): Promise<{ digest: string; count: number }> {
    return exportedDigest(await this.exported(), this.accountsOf(view), this.o.localAs);
  }

  /** BGP sessions (and every other protocol) from `show protocols`. */
  async sessions(): Promise<SessionState[]> {
    const r = await this.control.command('show protocols');
    const out: SessionState[] = [];
    for (const l of r.lines) {
      if (l.code !== 1002) continue;
      const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(l.text);
      if (m && m[2] === 'BGP')
        out.push({ name: m[1] as string, state: m[4] as string, since: m[5] as string, info: (m[6] ?? '').trim() });
    }
    return out;
  }

  /** The include as this speaker last wrote it, with the file's size and mtime right after the write. */
  private written: { text: string; size: number; mtimeMs: number } | null = null;

  /**
   * The include file's text: the copy in memory while the file is as this speaker left it (same size and
   * mtime), else read from disk (a hand edit, another process, a restart). Reading and comparing 100k
   * routes' worth of text was a third of a 1% diff's time.
   */
  private async currentInclude(): Promise<string | null> {
    const st = await stat(this.o.includePath).catch(() => null);
    if (st === null) return null;
    const w = this.written;
    if (w && st.size === w.size && st.mtimeMs === w.mtimeMs) return w.text;
    return readFile(this.o.includePath, 'utf8').catch(() => null);
  }

  /** Writes the include atomically (a temporary file renamed over it) and remembers what it wrote. */
  private async writeInclude(text: string): Promise<void> {
    const tmp = `${this.o.includePath}.tmp`;
    await writeFile(tmp, text);
    const st = await stat(tmp);
    await rename(tmp, this.o.includePath);
    this.written = { text, size: st.size, mtimeMs: st.mtimeMs };
  }

  private pool: BirdControl[] = [];

  /** Extra control connections for parallel queries (opened on first use, kept). */
  private lanes(): BirdControl[] {
    if (this.pool.length === 0) for (let i = 0; i < 8; i++) this.pool.push(new BirdControl(this.o.socket));
    return this.pool;
  }

  close(): void {
    for (const c of this.pool) c.close();
    this.pool = [];
    this.control.close();
  }
}
