// An in-process control plane for lab scenarios that must steer snapshots directly (location-scoped
// announcements the Addressing API does not place): the real rollout engine over the real HTTP fleet
// and the real agent routes on a loopback port, with agents as `failsmall agent` processes. Probe
// verdicts from the client's vantage point are published through the control port (stored, then to the
// engine's signals), as serve's monitor does.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AgentIdentity } from '../api/agent-routes.js';
import { buildServer } from '../api/server.js';
import { HttpFleet } from '../fleet/http-fleet.js';
import { probeVerdicts } from '../probe/verdict.js';
import { engineControl } from '../rollout/control.js';
import { RolloutEngine } from '../rollout/engine.js';
import { MemoryRolloutStore, VerdictBoard } from '../rollout/memory.js';
import type { LocationInfo } from '../snapshot/model.js';
import { startAgentProcess } from './fleet.js';
import type { Lab } from './lab.js';
import type { Vantage } from './vantage.js';

export interface LabControl {
  url: string;
  engine: RolloutEngine;
  fleet: HttpFleet;
  signals: VerdictBoard;
  store: MemoryRolloutStore;
  tokens: Record<string, string>;
  startAgent(location: string, extra?: readonly string[], confirmTimeoutS?: number): number;
  /** Publishes probe verdicts of `vantage` every `everyMs` (pass and fail; no data is left unsaid). */
  publishProbes(vantage: Vantage, everyMs?: number): void;
  close(): Promise<void>;
}

export async function startLabControl(
  lab: Lab,
  o: { port?: number; bakeMs?: number; gateGraceMs?: number; tickMs?: number } = {},
): Promise<LabControl> {
  const port = o.port ?? 18401;
  const clock = { now: () => Date.now() };
  const locations: LocationInfo[] = lab.edges.map((e, i) => ({ id: e.location, region: 'lab', tier: i + 1 }));
  const store = new MemoryRolloutStore();
  const signals = new VerdictBoard();
  const fleet = new HttpFleet({ locations, clock, snapshot: (id) => store.getSnapshot(id) });
  const bake = o.bakeMs ?? 3000;
  const engine = await RolloutEngine.open(
    { clock, store, fleet, signals },
    {
      stages: [
        { name: 'canary', count: 1, bakeMs: bake },
        { name: '100%', fraction: 1, bakeMs: bake },
      ],
      gateGraceMs: o.gateGraceMs ?? 15_000,
    },
  );
  // Probe verdicts go through the one durable path (stored, then to the signals), as serve's sources do.
  const control = engineControl(engine, { store, fleet, signals, clock });
  const tokens: Record<string, string> = {};
  const creds = new Map<string, AgentIdentity>();
  for (const e of lab.edges) {
    const secret = `fs_${randomBytes(32).toString('base64url')}`;
    tokens[e.location] = secret;
    creds.set(createHash('sha256').update(secret).digest('hex'), { id: `${e.location}-agent`, location: e.location });
  }
  const app: FastifyInstance = await buildServer({
    version: 'lab',
    rateLimits: false,
    agents: { hub: fleet, credentials: async (h: string) => creds.get(h) },
  });
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  let ticking = false;
  const timers: NodeJS.Timeout[] = [
    setInterval(async () => {
      if (ticking) return;
      ticking = true;
      try {
        await engine.tick();
      } finally {
        ticking = false;
      }
    }, o.tickMs ?? 100),
  ];
  return {
    url,
    engine,
    fleet,
    signals,
    store,
    tokens,
    startAgent: (location, extra = [], confirmTimeoutS) =>
      startAgentProcess(lab, { location, url, token: tokens[location] as string, extra, confirmTimeoutS }),
    publishProbes(vantage, everyMs = 200) {
      timers.push(
        setInterval(() => {
          const now = Date.now();
          for (const v of probeVerdicts(
            vantage.results,
            locations.map((l) => l.id),
            now,
            {
              windowMs: 1000,
              minSamples: 3,
              minSuccessRatio: 0.9,
              maxMedianMs: 250,
            },
          )) {
            if (v.status === 'no-data') continue;
            void control.publishVerdict({
              source: 'probe',
              rolloutId: null,
              location: v.location,
              status: v.status,
              reason: v.reason,
            });
          }
        }, everyMs),
      );
    },
    async close() {
      for (const t of timers) clearInterval(t);
      await app.close();
    },
  };
}
