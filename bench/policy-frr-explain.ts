// Why FRR and verify() disagree on the benchmark table, tested rather than guessed: verify() is run again
// (untimed) with the two differences the FRR side by side found, taken from real implementations:
//  - bgpd refuses some routes of the table on import, so they never reach its Loc-RIB and are left out:
//    an AS path that holds its own AS (loop detection, any session), and, from an eBGP session, one that
//    holds AS 0 (RFC 7607 treat-as-withdraw; bgpd logs "Malformed AS path, AS number is 0"; over iBGP
//    bgpd 8.4 takes them). On the full table these are 12 + 3 routes, exactly what bgpd's pfxRcd misses;
//  - bgpd compiles as-path regexes with the C library's POSIX regcomp after turning `_` into
//    `(^|[,{}() ]|$)` (bgpd/bgp_regex.c), and glibc's regexec does not read `^([0-9]+_){12}` as "at least 12
//    ASes": it matches some short paths (4826 38803 56203) and not others (1 2 3). Which paths it matches
//    is asked of glibc itself (a 10-line C program compiled here with cc), and the configuration's LONG
//    entry is replaced by a community the route-maps already deny (NO-TRANSIT, 65001:666) carried by
//    exactly those routes: the same deny, decided by glibc.
// When these expectations equal FRR's counts for every neighbour, the disagreement is fully explained.

import { loadConfig } from '../src/policy/load.js';
import type { Route } from '../src/policy/route.js';
import { type NeighborReport, verify } from '../src/policy/verify/index.js';
import { bgpdRegexec } from '../src/testing/libc-regexec.js';

/** The LONG entry of benchConfig, as bgpd hands it to regcomp. */
const LONG_LINE = /^bgp as-path access-list LONG seq 5 permit (.*)$/m;

export interface Explanation {
  /** Routes left out: own AS in the path, or AS 0 in a path learned over eBGP. */
  refused: number;
  /** Distinct AS paths glibc's regexec matches with LONG, and how many of them have fewer than 12 ASes. */
  longMatched: number;
  longShort: number;
  neighbors: NeighborReport[];
}

/** Undefined when there is no C compiler to ask glibc with. */
export function explain(
  table: readonly Route[],
  localAs: number,
  before: string,
  after: string,
): Explanation | undefined {
  const long = LONG_LINE.exec(before)?.[1];
  if (!long) return undefined;
  const kept = table.filter((r) => !r.asPath.includes(localAs) && !(r.peerAs !== localAs && r.asPath.includes(0)));
  // bgpd's AS path string of an AS_SEQUENCE: the ASes separated by spaces (the feed sends sequences only).
  const paths = [...new Set(kept.map((r) => r.asPath.join(' ')))];
  const out = bgpdRegexec(long, paths);
  if (!out) return undefined;
  const matched = new Set(paths.filter((_, i) => out[i]));
  const marked = kept.map((r) =>
    matched.has(r.asPath.join(' ')) ? { ...r, communities: [...r.communities, '65001:666'] } : r,
  );
  // A LONG that never matches: the deny is carried by the community instead.
  const never = (t: string) => t.replace(LONG_LINE, 'bgp as-path access-list LONG seq 5 permit ^x$');
  const report = verify(
    loadConfig(never(before), 'before.conf', 'frr'),
    loadConfig(never(after), 'after.conf', 'frr'),
    marked,
  );
  return {
    refused: table.length - kept.length,
    longMatched: matched.size,
    longShort: [...matched].filter((p) => p.split(' ').length < 12).length,
    neighbors: report.neighbors,
  };
}
