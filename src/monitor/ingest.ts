// From decoded BGP UPDATEs to route events, the same for every feed: classic and MP NLRI, AS4_PATH merged
// into AS_PATH for 2-byte sessions (RFC 6793), and the RFC 7606 action applied: an UPDATE whose worst
// problem is treat-as-withdraw (or worse) withdraws what it announced instead of installing it.
import { ACTION_RANK, mergeAs4Path, type Rfc7606Action, type UpdateMessage } from '../wire/bgp/index.js';
import type { Monitor } from './monitor.js';

export function applyUpdate(m: Monitor, peer: number, u: UpdateMessage, action: Rfc7606Action, time: number): void {
  for (const n of u.withdrawn) m.withdraw(peer, n.prefix, time);
  const unreach = u.attrs.mpUnreach?.nlri;
  if (unreach) for (const n of unreach) m.withdraw(peer, n.prefix, time);
  const reach = u.attrs.mpReach?.nlri;
  if (u.nlri.length === 0 && (reach === undefined || reach.length === 0)) return;
  if (ACTION_RANK[action] >= ACTION_RANK['treat-as-withdraw']) {
    for (const n of u.nlri) m.withdraw(peer, n.prefix, time);
    if (reach) for (const n of reach) m.withdraw(peer, n.prefix, time);
    return;
  }
  const segs = u.attrs.as4Path ? mergeAs4Path(u.attrs).asPath : (u.attrs.asPath ?? []);
  const otc = u.attrs.otc;
  for (const n of u.nlri) m.announce(peer, n.prefix, segs, otc, time);
  if (reach) for (const n of reach) m.announce(peer, n.prefix, segs, otc, time);
}
