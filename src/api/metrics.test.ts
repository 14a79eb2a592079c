// /metrics in the Prometheus text format: HTTP requests by route pattern (never the raw URL) and status,
// and the control loop's figures read through the MetricsSource port at scrape time.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { type MetricsFigures, metricsPlugin } from './metrics.js';

const figures: MetricsFigures = {
  snapshotNumber: 7,
  baselineNumber: 6,
  rolloutsByStatus: { queued: 0, held: 1, running: 1, completed: 5 },
  breakerTripped: true,
  agentsByHealth: { ok: 22, 'fail-static': 2 },
  guardHolds: 1,
  locations: 12,
};

async function server() {
  const app = Fastify();
  let scrapes = 0;
  app.get('/v1/rollouts/:id', async (req) => ({ id: (req.params as { id: string }).id }));
  await app.register(metricsPlugin, {
    source: {
      figures: async () => {
        scrapes++;
        return figures;
      },
    },
  });
  app.get('/late', async () => 'registered after the plugin');
  return { app, scrapes: () => scrapes };
}

describe('/metrics', () => {
  it('counts requests by route pattern and status, including routes registered before the plugin', async () => {
    const { app } = await server();
    await app.inject('/v1/rollouts/r1');
    await app.inject('/v1/rollouts/r2');
    await app.inject('/late');
    await app.inject('/nothing-here');
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('failsmall_http_requests_total{method="GET",route="/v1/rollouts/:id",status_code="200"} 2');
    expect(text).toContain('failsmall_http_requests_total{method="GET",route="/late",status_code="200"} 1');
    expect(text).toMatch(/failsmall_http_requests_total\{method="GET",route="unmatched",status_code="404"\} 1/);
    expect(text).not.toContain('/v1/rollouts/r1');
    await app.close();
  });

  it('exposes the control loop figures, read once per scrape', async () => {
    const { app, scrapes } = await server();
    const text = (await app.inject('/metrics')).body;
    expect(scrapes()).toBe(1);
    for (const line of [
      'failsmall_snapshot_number 7',
      'failsmall_snapshot_last_good_number 6',
      'failsmall_rollouts{status="held"} 1',
      'failsmall_rollouts{status="completed"} 5',
      'failsmall_breaker_tripped 1',
      'failsmall_agents{health="ok"} 22',
      'failsmall_agents{health="fail-static"} 2',
      'failsmall_guard_holds 1',
      'failsmall_locations 12',
    ])
      expect(text).toContain(line);
    await app.close();
  });
});
