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
import type { LocationView } from '../snapshot/view.js';
import { BirdControl, BirdError } from './bird-control.js';
import {
  accountsOf,
  EXPORT_FILTER,
  type ExportedRoute,
  exportedDigest,
  parseShowRouteAll,
  renderInclude,
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

export class BirdSpeaker implements Speaker {
  readonly control: BirdControl;
  private accounts = new Map<string, string>();
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
      return;
    }
    const tmp = `${this.o.includePath}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, this.o.includePath);
    const restore = async () => {
      if (before !== null) {
        await writeFile(tmp, before);
        await rename(tmp, this.o.includePath);
      }
    };
    try {
      await this.control.command('configure check');
    } catch (e) {
      await restore();
      throw e;
    }
    const t0 = Date.now();
    await this.control.command(`configure timeout ${this.confirmTimeoutS}`);
    log('configured', { snapshot: view.snapshotNumber, timeoutS: this.confirmTimeoutS });
    if (this.o.holdBeforeConfirmMs) await sleep(this.o.holdBeforeConfirmMs);
    let got = await this.readBack(accounts);
    while (got.digest !== view.announceDigest && Date.now() - t0 < this.settleMs) {
      await sleep(50);
      got = await this.readBack(accounts);
    }
    if (got.digest !== view.announceDigest) {
      await this.control.command('configure undo').catch(() => undefined);
      await restore();
      throw new Error(
        `BIRD exports ${got.count} routes (${got.digest}) after ${this.settleMs} ms, the view has ${view.announceCount} (${view.announceDigest}): undone`,
      );
    }
    await this.control.command('configure confirm');
    this.accounts = accounts;
    log('confirmed', { snapshot: view.snapshotNumber, routes: got.count, ms: Date.now() - t0 });
  }

  async announced(): Promise<{ digest: string; count: number }> {
    return this.readBack(this.accounts);
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

  close(): void {
    this.control.close();
  }
}
