// Building BGP UPDATEs for monitor tests and benchmarks: announcements (IPv4 in the classic NLRI field,
// IPv6 in MP_REACH_NLRI) and withdrawals, encoded with the real codec. Test-only (*.case.ts).
import { parseAddress, parsePrefix } from '../lib/prefix.js';
import { decodeContext, encodeMessage } from '../wire/bgp/index.js';
import type { PathAttributes, UpdateMessage } from '../wire/bgp/types.js';

const ctx = decodeContext({ as4: true });

export function announceMessage(
  prefixes: string[],
  path: number[],
  opts: { nextHop?: string; otc?: number } = {},
): UpdateMessage {
  const ps = prefixes.map(parsePrefix);
  const v4 = ps.filter((p) => p.family === 4);
  const v6 = ps.filter((p) => p.family === 6);
  const attrs: PathAttributes = { origin: 0, asPath: path.length ? [{ type: 2, asns: path }] : [] };
  if (v4.length)
    attrs.nextHop = parseAddress(opts.nextHop && !opts.nextHop.includes(':') ? opts.nextHop : '192.0.2.1').addr;
  if (v6.length) {
    attrs.mpReach = {
      afi: 2,
      safi: 1,
      nextHop: parseAddress(opts.nextHop?.includes(':') ? opts.nextHop : '2001:db8::1').addr,
      reserved: 0,
      nlri: v6.map((prefix) => ({ prefix })),
      nlriBytes: new Uint8Array(0),
    };
  }
  if (opts.otc !== undefined) attrs.otc = opts.otc;
  return { type: 2, withdrawn: [], attrs, nlri: v4.map((prefix) => ({ prefix })) };
}

export function withdrawMessage(prefixes: string[]): UpdateMessage {
  const ps = prefixes.map(parsePrefix);
  const v6 = ps.filter((p) => p.family === 6);
  const attrs: PathAttributes = {};
  if (v6.length)
    attrs.mpUnreach = { afi: 2, safi: 1, nlri: v6.map((prefix) => ({ prefix })), nlriBytes: new Uint8Array(0) };
  return { type: 2, withdrawn: ps.filter((p) => p.family === 4).map((prefix) => ({ prefix })), attrs, nlri: [] };
}

export const announce = (
  prefixes: string[],
  path: number[],
  opts: { nextHop?: string; otc?: number } = {},
): Uint8Array => encodeMessage(announceMessage(prefixes, path, opts), ctx);

export const withdraw = (prefixes: string[]): Uint8Array => encodeMessage(withdrawMessage(prefixes), ctx);
