// The 20 February 2026 population for the lab replay (src/lab/byoip-replay.ts hands it serve's data
// directory; the synthetic data is simulation, so a composition root brings it), written into serve's database before serve starts
// (PGlite allows one process; 6,500 prefixes through HTTP, each created, validated, advertised and bound,
// would take most of the run): the same synthetic population as `failsmall replay byoip-2026-02-20`,
// 4,306 BYOIP prefixes over 700 accounts with 2 bindings each, and the network's own 2,194 prefixes in
// one account of its own, each with one binding. The announcements then reach the edges the normal way:
// serve compiles desired state into a snapshot and rolls it out to the agents.
//
// The space is the replay's (23.0.0.0/12 for BYOIP, 104.0.0.0/12 for the network's own): real unicast
// space, announced only between the lab's routers inside network namespaces that reach nothing else.
import type { Actor } from '../addressing/model.js';
import { AddressingService } from '../addressing/service.js';
import { hashToken, newTokenSecret } from '../api/auth.js';
import type { LabPopulation, PopulationSpec } from '../lab/byoip-replay.js';
import { systemClock } from '../lib/clock.js';
import { syntheticDesired } from '../sim/synthetic.js';
import { openStore, randomIds } from '../store/harness.js';

const SEED: Actor = { kind: 'cli', id: 'cli:lab-seed', account_id: null, scopes: ['admin'], request_id: 'lab-seed' };

export async function seedLabPopulation(dataDir: string, spec: PopulationSpec): Promise<LabPopulation> {
  const at = new Date().toISOString();
  const byoip = syntheticDesired({
    accounts: spec.byoipAccounts,
    prefixes: spec.byoipPrefixes,
    bindingsPerPrefix: 2,
    tag: 'byoip',
    firstOctet: 23,
    at,
  });
  const own = syntheticDesired({
    accounts: 1,
    prefixes: spec.totalPrefixes - spec.byoipPrefixes,
    tag: 'own',
    firstOctet: 104,
    asnBase: 13335,
    at,
  });
  const opened = await openStore({ dataDir });
  try {
    await opened.store.transaction(async (tx) => {
      for (const d of [byoip, own]) {
        for (const a of d.accounts) await tx.insertAccount(a);
        for (const p of d.prefixes) await tx.insertPrefix(p);
        for (const b of d.bgp_prefixes) await tx.insertBgpPrefix(b);
        for (const b of d.bindings) await tx.insertBinding(b);
        for (const o of d.ownership) await tx.putOwnershipProof(o);
      }
    });
    const service = new AddressingService(opened.store, systemClock, randomIds);
    const jobToken = newTokenSecret();
    await service.tokens.create(SEED, {
      account_id: null,
      name: 'job:pending-delete-cleanup',
      kind: 'job',
      scopes: ['operator'],
      caps: { perRun: 100_000, perHour: 100_000 },
      token_hash: hashToken(jobToken),
    });
    const approverToken = newTokenSecret();
    await service.tokens.create(SEED, {
      account_id: null,
      name: 'lab-approver',
      kind: 'person',
      scopes: ['operator', 'approver'],
      token_hash: hashToken(approverToken),
    });
    return { byoip, own, jobToken, approverToken };
  } finally {
    await opened.close();
  }
}
