// The VRP + ASPA store. A snapshot (VRP index + U-SPAS table) is immutable; reload builds the next
// snapshot completely — parse, SLURM, index — and only then swaps one reference. A failed reload leaves
// the current snapshot in place and says why. Readers that need a consistent view across several checks
// take `store.snapshot` once and use it.
import { FailsmallError } from '../lib/errors.js';
import type { Prefix } from '../lib/prefix.js';
import type { AsPath } from './as-path.js';
import { type AspaContext, AspaTable, type AspaVerdict, aspaVerdict } from './aspa.js';
import { type RovState, VrpIndex } from './rov.js';
import { parseRpki, type RpkiFormat } from './rpki-load.js';
import { applySlurm, parseSlurm } from './slurm.js';

export interface RpkiSnapshot {
  readonly vrps: VrpIndex;
  readonly aspas: AspaTable;
  /** Increases by one with every successful reload; 0 is the empty store. */
  readonly serial: number;
  /** Formats of the inputs, in order. */
  readonly formats: readonly RpkiFormat[];
  /** Counts before SLURM, for logs. */
  readonly inputVrps: number;
  readonly inputAspas: number;
}

/** What a reload reads: relying-party files (any supported layout) and SLURM overlays, as text or bytes. */
export interface RpkiSources {
  rpki: readonly (string | Uint8Array)[];
  slurm?: readonly (string | Uint8Array)[];
}

export type ReloadResult =
  | { ok: true; snapshot: RpkiSnapshot }
  | { ok: false; error: FailsmallError; kept: RpkiSnapshot };

/** Build a snapshot from sources; throws the loaders' FailsmallErrors. */
export function buildSnapshot(sources: RpkiSources, serial: number): RpkiSnapshot {
  const loaded = sources.rpki.map((x) => parseRpki(x));
  const slurm = (sources.slurm ?? []).map((x) => parseSlurm(x));
  const merged = { vrps: loaded.flatMap((d) => d.vrps), aspas: loaded.flatMap((d) => d.aspas) };
  const data = slurm.length > 0 ? applySlurm(merged, slurm) : merged;
  return {
    vrps: new VrpIndex(data.vrps),
    aspas: AspaTable.from(data.aspas),
    serial,
    formats: loaded.map((d) => d.format),
    inputVrps: merged.vrps.length,
    inputAspas: merged.aspas.length,
  };
}

export class RpkiStore {
  private current: RpkiSnapshot = {
    vrps: VrpIndex.empty,
    aspas: AspaTable.empty,
    serial: 0,
    formats: [],
    inputVrps: 0,
    inputAspas: 0,
  };
  private readonly listeners = new Set<(s: RpkiSnapshot) => void>();

  /** The snapshot in use now. */
  get snapshot(): RpkiSnapshot {
    return this.current;
  }

  /** Replace the data: all or nothing. On failure the previous snapshot stays and the error says why. */
  reload(sources: RpkiSources): ReloadResult {
    let next: RpkiSnapshot;
    try {
      next = buildSnapshot(sources, this.current.serial + 1);
    } catch (e) {
      const cause = e instanceof FailsmallError ? e : undefined;
      const error = new FailsmallError(
        'E_RPKI_RELOAD_FAILED',
        `RPKI reload failed, still serving serial ${this.current.serial}: ${(e as Error).message}`,
        { cause: cause?.code, causeDetails: cause?.details, serial: this.current.serial },
      );
      return { ok: false, error, kept: this.current };
    }
    this.current = next; // the one swap
    for (const l of this.listeners) l(next);
    return { ok: true, snapshot: next };
  }

  /** Called after each successful reload with the new snapshot; returns an unsubscribe function. */
  onReload(listener: (s: RpkiSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** RFC 6811 state of a route against the current snapshot. */
  validate(prefix: Prefix, origin: number | null): RovState {
    return this.current.vrps.validate(prefix, origin);
  }

  /** ASPA verdict of a path against the current snapshot. */
  verifyPath(path: AsPath, ctx: AspaContext): AspaVerdict {
    return aspaVerdict(this.current.aspas, path, ctx);
  }
}
