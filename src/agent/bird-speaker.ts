// The BIRD 2 driver behind src/edge's Speaker port. apply(view):
//   1. render the view into the include file (written beside, then renamed: BIRD never reads half a file);
//   2. `configure check` (a refused file is put back and the error raised);
//   3. `configure timeout N`: BIRD applies it and undoes it by itself after N s unless confirmed;
//   4. read back what BIRD exports (`show route export <upstream> all`) until it equals the view;
//   5. `configure confirm`, or `configure undo` when the read-back never matched.
// An agent that dies between 3 and 5 leaves BIRD to return to the previous configuration on its own.
// Only the static protocols change between snapshots, so BGP sessions are never reset by an apply.
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Speaker } from '../edge/agent.js';
import { announcementLine } from '../snapshot/digest.js';
import type { Announcement } from '../snapshot/model.js';
import { type LocationView, viewAnnouncements } from '../snapshot/view.js';
import { BirdControl, BirdError } from './bird-control.js';
import {
  accountsOf,
  EXPORT_FILTER,
  type ExportedRoute,
  exportedDigest,
  parseShowRouteAll,
  renderInclude,
  staticPath,
} from './bird-render.js';

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

/** Prefixes whose announcement differs between two views: the new announcement, or null when withdrawn. */
export function changedAnnouncements(from: LocationView, to: LocationView): Map<string, Announcement | null> {
  const old = new Map<string, string>();
  for (const a of viewAnnouncements(from)) old.set(a.prefix, announcementLine(a));
  const out = new Map<string, Announcement | null>();
  for (const a of viewAnnouncements(to)) {
    if (old.get(a.prefix) !== announcementLine(a)) out.set(a.prefix, a);
    old.delete(a.prefix);
  }
  for (const p of old.keys()) out.set(p, null);
  return out;
}

export class BirdSpeaker implements Speaker {
  readonly control: BirdControl;
  private accounts = new Map<string, string>();
  /** The last view a read-back confirmed, while no read-back has seen BIRD differ from it since. */
  private trusted: LocationView | null = null;
  private readonly confirmTimeoutS: number;
  private readonly settleMs: number;

  constructor(private readonly o: BirdSpeakerOptions) {
    this.control = new BirdControl(o.socket);
    this.confirmTimeoutS = o.confirmTimeoutS ?? 30;
    this.settleMs = o.settleMs ?? 20_000;
  }

  /** Takes `view` as what BIRD should export, without changing BIRD (agent restart: check first). */
  expect(view: LocationView): void {
    this.accounts = accountsOf(view);
    this.trusted = null;
  }

  async apply(view: LocationView): Promise<void> {
    const log = this.o.log ?? (() => undefined);
    const text = renderInclude(view, { localAs: this.o.localAs });
    const accounts = accountsOf(view);
    if (view.announceCount === 0 && view.withdrawAll === null) {
      // Defence in depth behind EdgeAgent's rule: never empty a speaker that exports something.
      const now = await this.readBack(accounts);
      if (now.count > 0)
        throw new Error(`refusing to withdraw all ${now.count} routes: the snapshot carries no withdraw-all mark`);
    }
    const before = await readFile(this.o.includePath, 'utf8').catch(() => null);
    if (before === text && (await this.readBack(accounts)).digest === view.announceDigest) {
      this.accounts = accounts;
      this.trusted = view;
      return;
    }
    this.trusted = before === text ? null : this.trusted;
    const tmp = `${this.o.includePath}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, this.o.includePath);
    const restore = async () => {
      if (before !== null) {
        await writeFile(tmp, before);
        await rename(tmp, this.o.includePath);
      }
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
    const changed = prev && prev.snapshotId !== view.snapshotId ? changedAnnouncements(prev, view) : null;
    const incremental = changed !== null && changed.size <= Math.max(1000, view.announceCount / 20);
    const matches = async () =>
      incremental ? this.matchesIncrementally(view, changed, accounts) : this.readBack(accounts);
    let got = await matches();
    while (got.digest !== view.announceDigest && Date.now() - t0 < this.settleMs) {
      await sleep(50);
      got = await matches();
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
    this.accounts = accounts;
    this.trusted = view;
    log('confirmed', {
      snapshot: view.snapshotNumber,
      routes: got.count,
      readBack: incremental ? `incremental (${changed?.size} changed)` : 'full',
      ms: Date.now() - tCheck,
      checkMs,
      configureMs,
      readBackMs: Date.now() - t0 - configureMs,
    });
  }

  async announced(): Promise<{ digest: string; count: number }> {
    const got = await this.readBack(this.accounts);
    if (this.trusted && got.digest !== this.trusted.announceDigest) this.trusted = null;
    return got;
  }

  /**
   * What the incremental read-back found, as a digest comparable with the view's: the view's own digest
   * when BIRD exports as many routes as the view has and every changed route as the view says (or not at
   * all, when it was withdrawn); otherwise a digest that names the mismatch.
   */
  private async matchesIncrementally(
    view: LocationView,
    changed: ReadonlyMap<string, Announcement | null>,
    accounts: ReadonlyMap<string, string>,
  ): Promise<{ digest: string; count: number }> {
    const count = await this.exportCount();
    if (count !== view.announceCount) return { digest: `count ${count}`, count };
    const up = (await this.sessions()).find((s) => s.state === 'up' && this.o.upstreams.includes(s.name));
    const list = [...changed];
    // One exact-prefix query per changed route, over a few control connections in parallel (BIRD serves
    // each connection's commands one at a time; a query is a table lookup, the round trip is the cost).
    const got = new Map<string, ExportedRoute[]>();
    const lanes = this.lanes();
    let next = 0;
    await Promise.all(
      lanes.map(async (lane) => {
        while (next < list.length) {
          const prefix = (list[next++] as [string, Announcement | null])[0];
          const cmd = up
            ? `show route ${prefix} export ${up.name} all`
            : `show route ${prefix} filter ${EXPORT_FILTER} all`;
          try {
            got.set(
              prefix,
              parseShowRouteAll((await lane.command(cmd)).lines).filter((r) => r.prefix === prefix),
            );
          } catch (e) {
            if (!(e instanceof BirdError)) throw e; // "Network not found": not exported
          }
        }
      }),
    );
    for (const [prefix, want] of list) {
      const routes = got.get(prefix) ?? [];
      const line = routes.length === 1 ? exportedDigest(routes, accounts, this.o.localAs).digest : null;
      const expect = want
        ? exportedDigest(
            [{ prefix, path: staticPath(want, this.o.localAs), communities: [...want.communities] }],
            accounts,
            this.o.localAs,
          ).digest
        : null;
      if (want === null ? routes.length !== 0 : line !== expect) return { digest: `mismatch at ${prefix}`, count };
    }
    return { digest: view.announceDigest, count };
  }

  /** How many routes BIRD exports (`show route export <upstream> count`, or the filter over the tables). */
  private async exportCount(): Promise<number> {
    const up = (await this.sessions()).find((s) => s.state === 'up' && this.o.upstreams.includes(s.name));
    const cmds = up
      ? [`show route export ${up.name} count`]
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

  private async readBack(accounts: ReadonlyMap<string, string>): Promise<{ digest: string; count: number }> {
    return exportedDigest(await this.exported(), accounts, this.o.localAs);
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
