// Prometheus /metrics (prom-client, text exposition format 0.0.4): HTTP requests by route and status,
// and the control loop's figures read at scrape time through a small MetricsSource port (the control
// loop implements it; the API does not know the engine). One registry per server, so tests and several
// servers in one process never share counters.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the control loop reports at each scrape. */
export interface MetricsFigures {
  snapshotNumber: number | null;
  baselineNumber: number | null;
  rolloutsByStatus: Readonly<Record<string, number>>;
  breakerTripped: boolean;
  agentsByHealth: Readonly<Record<string, number>>;
  guardHolds: number;
  locations: number;
}

export interface MetricsSource {
  figures(): Promise<MetricsFigures>;
}

export interface MetricsOptions {
  /** Absent: only the HTTP and process metrics. */
  source?: MetricsSource;
  /** Default /metrics. */
  path?: string;
  /** The registry to expose (other parts, such as the monitor, register theirs in it); default a new one. */
  registry?: Registry;
}

/** The registry with every failsmall metric; exported for tests and for a second exposition path. */
export function metricsRegistry(
  source?: MetricsSource,
  registry: Registry = new Registry(),
): {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status_code'>;
  duration: Histogram<'method' | 'route'>;
} {
  collectDefaultMetrics({ register: registry, prefix: 'failsmall_process_' });
  const requests = new Counter({
    name: 'failsmall_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'failsmall_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  if (!source) return { registry, requests, duration };
  // The loop's figures are read once per scrape, by the first gauge collected; the rest reuse them.
  let scrape: Promise<MetricsFigures> | null = null;
  const figures = () => {
    scrape ??= source.figures().finally(() => setTimeout(() => (scrape = null), 0));
    return scrape;
  };
  const gauge = <L extends string>(
    name: string,
    help: string,
    labels: readonly L[],
    set: (g: Gauge<L>, f: MetricsFigures) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      async collect() {
        const f = await figures();
        this.reset();
        set(this, f);
      },
    });
  gauge('failsmall_snapshot_number', 'Number of the newest snapshot (0: none yet)', [], (g, f) =>
    g.set(f.snapshotNumber ?? 0),
  );
  gauge('failsmall_snapshot_last_good_number', 'Number of the last good snapshot (0: none yet)', [], (g, f) =>
    g.set(f.baselineNumber ?? 0),
  );
  gauge('failsmall_rollouts', 'Rollouts the engine holds in memory, by status', ['status'], (g, f) => {
    for (const [status, n] of Object.entries(f.rolloutsByStatus)) g.set({ status }, n);
  });
  gauge('failsmall_breaker_tripped', '1 while the circuit breaker is tripped', [], (g, f) =>
    g.set(f.breakerTripped ? 1 : 0),
  );
  gauge('failsmall_agents', 'Edge agents by the health they report', ['health'], (g, f) => {
    for (const [health, n] of Object.entries(f.agentsByHealth)) g.set({ health }, n);
  });
  gauge('failsmall_guard_holds', 'Rollouts the guard holds for an approval', [], (g, f) => g.set(f.guardHolds));
  gauge('failsmall_locations', 'Locations of the fleet', [], (g, f) => g.set(f.locations));
  return { registry, requests, duration };
}

const plugin: FastifyPluginAsync<MetricsOptions> = async (app: FastifyInstance, opts) => {
  const { registry, requests, duration } = metricsRegistry(opts.source, opts.registry);
  const path = opts.path ?? '/metrics';
  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, never the raw URL: ids in paths would make every request its own series.
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status_code: String(reply.statusCode) });
    duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.get(path, { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};
// Not encapsulated (what fastify-plugin does): the hook must see every route of the server.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export const metricsPlugin = plugin;
