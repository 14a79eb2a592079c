import { describe } from 'vitest';
import { describeIfAvailable } from '../testing/env.js';
import { addressingStoreCases } from './addressing-store.case.js';
import { openStore } from './harness.js';
import { probePostgres } from './pg-probe.js';

describe('addressing store on embedded PGlite (in memory)', () => {
  addressingStoreCases(() => openStore({}));
});

const pgProbe = await probePostgres();
describeIfAvailable('addressing store on PostgreSQL', 'missing' in pgProbe ? pgProbe.missing : null, () => {
  addressingStoreCases(() => openStore({ databaseUrl: 'url' in pgProbe ? pgProbe.url : '', freshSchema: true }));
});
