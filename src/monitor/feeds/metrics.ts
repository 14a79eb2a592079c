// The monitor's Prometheus metrics as a small source interface, and how it plugs into a prom-client
// registry (the server's /metrics): messages by feed, sessions up, alerts open.
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';

export interface MonitorMetricsSource {
  messagesByFeed(): Record<string, number>;
  peersUp(): number;
  alertsOpen(): number;
}

/** Registers failsmall_monitor_* metrics that read `source` at scrape time. */
export function registerMonitorMetrics(registry: Registry, source: MonitorMetricsSource): void {
  let last: Record<string, number> = {};
  new Counter({
    name: 'failsmall_monitor_messages_total',
    help: 'BGP/BMP/RIS messages the monitor received, by feed',
    labelNames: ['feed'],
    registers: [registry],
    collect() {
      const now = source.messagesByFeed();
      for (const [feed, n] of Object.entries(now)) {
        const d = n - (last[feed] ?? 0);
        if (d > 0) this.inc({ feed }, d);
        else this.inc({ feed }, 0);
      }
      last = now;
    },
  });
  new Gauge({
    name: 'failsmall_monitor_peers_up',
    help: 'Monitor sessions (BMP peers, BGP sessions, RIS peers) that are up',
    registers: [registry],
    collect() {
      this.set(source.peersUp());
    },
  });
  new Gauge({
    name: 'failsmall_monitor_alerts_open',
    help: 'Monitor alerts open now',
    registers: [registry],
    collect() {
      this.set(source.alertsOpen());
    },
  });
}
