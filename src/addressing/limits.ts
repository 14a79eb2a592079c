// The one home of the addressing domain's numeric limits. The TypeBox schemas of the HTTP API, the
// service's checks, the snapshot compiler and the database's check constraints all read them from
// here, so a request the API accepts is one the service, the database and the compiler accept too.

/** An inclusive integer range. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/**
 * AS-path prepends on a BGP prefix. Three is what traffic engineering needs (each prepend past the
 * third moves almost no traffic) and longer paths are dropped by some networks' max-AS-path filters.
 */
export const ASN_PREPEND_COUNT: Range = { min: 0, max: 3 };

/** Usable origin AS numbers: 1..2^32-2 (0 and 4294967295 are reserved, RFC 7607 and RFC 7300). */
export const ORIGIN_ASN: Range = { min: 1, max: 4294967294 };

/** The longest prefix the network announces to the Internet: longer ones are filtered by most peers. */
export const MAX_ANNOUNCE_LEN = { 4: 24, 6: 48 } as const;

/** Lengths of free text fields (descriptions, names, LOA document ids). */
export const TEXT_MAX = { description: 1000, name: 200, loa_document_id: 64 } as const;

/**
 * Default caps of a job token: audited changes per run and per hour. The 20 February 2026 cleanup job
 * made 4-6 changes per prefix (withdraw, unbind, delete) and reached about 1,100 prefixes in 50 minutes;
 * 100 changes per run is some 20 prefixes, under the guard's per-change limit of 25 withdrawals, and 250
 * per hour some 50, about 1% of the 4,306 BYOIP prefixes. A job that needs more says so at creation.
 */
export const JOB_CAPS = { perRun: 100, perHour: 250 } as const;

/** The range a job token's caps may be given in. */
export const JOB_CAP_RANGE: Range = { min: 1, max: 100_000 };

/** True when `v` is an integer inside `r`. */
export function inRange(r: Range, v: number): boolean {
  return Number.isInteger(v) && v >= r.min && v <= r.max;
}
