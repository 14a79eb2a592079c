// Configured versus operational state. The Addressing API stores what a customer wants (a BGP prefix's
// advertised flag); only the edge's reports say where that is true. The control loop implements this port
// from the snapshots it compiled, the rollouts in flight and the agents' read-back of their speakers; the
// API puts the answer next to the configured flag in every BGP prefix response.

/**
 * - `pending`: configured, not yet in a compiled snapshot;
 * - `deploying`: in a snapshot that is rolling out; live at some locations;
 * - `live`: every location that should announce it reports announcing it;
 * - `held`: the guard holds the snapshot that carries the change (approval needed, or the breaker tripped);
 * - `withdrawn`: not announced anywhere, as configured.
 */
export type EdgeState = 'pending' | 'deploying' | 'live' | 'held' | 'withdrawn';

export interface EdgeStatus {
  readonly state: EdgeState;
  /** Number of the newest snapshot that carries the configured state, or null when none does yet. */
  readonly snapshot: number | null;
  /** Locations whose agents report the prefix announced (their speaker's read-back). */
  readonly locations_live: number;
  /** Locations that should announce it according to that snapshot. */
  readonly locations_total: number;
}

export interface EdgeStatusPort {
  /** `prefix` is canonical text (src/lib/prefix.ts); `advertised` is the configured flag. */
  edgeStatus(prefix: string, advertised: boolean): EdgeStatus;
}
