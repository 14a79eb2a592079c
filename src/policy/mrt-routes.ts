// MRT TABLE_DUMP_V2 records to the verifier's routes: each RIB entry is one path, its peer taken from the
// PEER_INDEX_TABLE (address and AS). Whether a path is iBGP is decided later against the configured
// local AS (Route.peerAs === localAs). Pure: the CLI and the benchmark read the file and feed records.
import { type Family, formatAddress, formatPrefix } from '../lib/prefix.js';
import type { PathAttributes } from '../wire/bgp/types.js';
import type { MrtDamage, MrtRawRecord, MrtSink } from '../wire/mrt/reader.js';
import { decodeRibAttributes, MrtDecoder } from '../wire/mrt/records.js';
import type { Origin } from './model.js';
import type { Route } from './route.js';

const ORIGINS: readonly Origin[] = ['igp', 'egp', 'incomplete'];

function community(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

/** Route attributes from decoded BGP path attributes (shared by MRT and live BGP feeds). */
export function routeAttributes(
  a: PathAttributes,
  family: Family,
): Pick<Route, 'asPath' | 'origin' | 'localPref' | 'med' | 'communities' | 'largeCommunities' | 'nextHop' | 'otc'> {
  const asPath: number[] = [];
  for (const s of a.asPath ?? []) if (s.type === 1 || s.type === 2) for (const x of s.asns) asPath.push(x);
  const nh = family === 4 ? (a.nextHop ?? a.mpReach?.nextHopGlobal) : a.mpReach?.nextHopGlobal;
  return {
    asPath,
    origin: ORIGINS[a.origin ?? 0] ?? 'incomplete',
    localPref: a.localPref,
    med: a.med,
    communities: (a.communities ?? []).map(community),
    largeCommunities: (a.largeCommunities ?? []).map((l) => `${l.global}:${l.local1}:${l.local2}`),
    nextHop: nh ? formatAddress(nh.length === 4 ? 4 : 6, nh) : family === 4 ? '0.0.0.0' : '::',
    otc: a.otc,
  };
}

/** An MrtSink that collects the routes of TABLE_DUMP_V2 RIB records; damage is counted, not thrown. */
export class MrtRouteCollector implements MrtSink {
  readonly routes: Route[] = [];
  readonly damaged: MrtDamage[] = [];
  private readonly decoder = new MrtDecoder();

  record(raw: MrtRawRecord): void {
    const d = this.decoder.decode(raw);
    if (!d.ok) {
      this.damage(d.damage);
      return;
    }
    const body = d.record.body;
    if (body.kind !== 'rib' || body.safi !== 1) return;
    const peers = this.decoder.peerTable?.peers ?? [];
    const key = formatPrefix(body.prefix);
    for (const e of body.entries) {
      const peer = peers[e.peerIndex];
      const attrs = decodeRibAttributes(body, e.attributes);
      if (attrs.action === 'treat-as-withdraw' || attrs.action === 'session-reset') continue;
      this.routes.push({
        prefix: body.prefix,
        key,
        peer: peer ? formatAddress(peer.family, peer.address) : '0.0.0.0',
        peerAs: peer?.asn ?? 0,
        protocol: 'bgp',
        ...routeAttributes(attrs.attrs, body.prefix.family),
      });
    }
  }

  damage(d: MrtDamage): void {
    if (this.damaged.length < 100) this.damaged.push(d);
  }
}
