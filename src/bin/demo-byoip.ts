// The demo's population of small BYOIP customers, sized so that the 20 February 2026 replay against a
// running `npm start` means something: a cleanup job that deletes everything crosses the guard's
// limits (25 withdrawals per change, 40 in 15 minutes) long before it runs out of prefixes. Written in
// one transaction through the store (validated, advertised and bound, like the named customers).
import type { AddressingStore } from '../addressing/ports.js';
import { syntheticDesired } from '../sim/synthetic.js';

export async function seedByoipCustomers(
  store: Pick<AddressingStore, 'transaction'>,
  prefixes: number,
): Promise<number> {
  if (prefixes <= 0) return 0;
  const d = syntheticDesired({
    accounts: Math.max(1, Math.ceil(prefixes / 5)),
    prefixes,
    tag: 'byoip',
    firstOctet: 23,
    at: new Date().toISOString(),
  });
  await store.transaction(async (tx) => {
    for (const a of d.accounts) await tx.insertAccount(a);
    for (const p of d.prefixes) await tx.insertPrefix(p);
    for (const b of d.bgp_prefixes) await tx.insertBgpPrefix(b);
    for (const b of d.bindings) await tx.insertBinding(b);
    // each validated prefix with the proof of ownership the compiler announces it on (synthetic: an LOA)
    for (const o of d.ownership) await tx.putOwnershipProof(o);
  });
  return prefixes;
}
