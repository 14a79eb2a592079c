// The monitor inside `serve`: FAILSMALL_MONITOR_CONFIG names a monitor.yml; the watch list comes from the
// Addressing API's desired state (every advertised BGP prefix with its origin AS) unless monitor.yml names
// a prefixes file; the live feeds run in-process; the per-location verdicts go to the rollout engine's
// Signals port, so a failing prefix fails the gate of the rollout that touched it (and can trip the
// breaker); the metrics register in a prom-client registry for /metrics. A watch list from the desired
// state follows it while serve runs: prefixes created, deleted, withdrawn or given another ASN.
import { register as defaultRegistry, type Registry } from 'prom-client';
import type { DesiredState } from '../addressing/model.js';
import { formatPrefix, type Prefix, tryParsePrefix } from '../lib/prefix.js';
import type { WatchedPrefix, WatchList } from '../monitor/config.js';
import { loadMonitorSetup } from '../monitor/feeds/files.js';
import { registerMonitorMetrics } from '../monitor/feeds/metrics.js';
import { type MonitorService, startMonitorService } from '../monitor/feeds/service.js';
import type { MonitorVerdict } from '../monitor/signals.js';
import type { VerdictSink } from '../rollout/ports.js';

/** The watch list of the desired state: advertised BGP prefixes, expected origin their ASN. */
export function watchFromDesired(ds: Pick<DesiredState, 'bgp_prefixes' | 'prefixes'>): WatchList {
  const asnOf = new Map(ds.prefixes.map((p) => [p.id, p.asn]));
  const prefixes: WatchedPrefix[] = [];
  for (const b of ds.bgp_prefixes) {
    if (!b.on_demand.advertised) continue;
    const p = tryParsePrefix(b.cidr);
    const asn = b.asn ?? asnOf.get(b.prefix_id) ?? null;
    if (!p.ok || asn === null) continue;
    prefixes.push({
      prefix: p.prefix as Prefix,
      asns: [asn],
      description: b.id,
      ignoreMorespecifics: false,
      ignore: false,
      group: b.account_id,
    });
  }
  return { prefixes, monitorASns: new Map() };
}

/** What a watch list says, as one comparable string (prefix and expected origins, sorted). */
export function watchDigest(w: WatchList): string {
  return w.prefixes
    .map((p) => `${formatPrefix(p.prefix)} ${[...p.asns].sort((a, b) => a - b).join(',')}${p.ignore ? ' ignore' : ''}`)
    .sort()
    .join('\n');
}

/**
 * Publishes verdicts through the control plane's one durable path (VerdictSink: stored, then handed to
 * the engine's Signals, as POST /v1/verdicts does) when a location's status changes, and again every
 * `heartbeatMs` (a gate looks at verdicts since its stage was deployed: a steady pass must keep arriving).
 */
export class MonitorSignalBridge {
  private readonly last = new Map<string, { status: string; at: number }>();
  constructor(
    private readonly sink: VerdictSink,
    private readonly now: () => number,
    private readonly heartbeatMs = 10_000,
  ) {}

  /** Resolves once every published verdict is stored; returns how many were published. */
  async sync(verdicts: readonly MonitorVerdict[]): Promise<number> {
    let n = 0;
    const t = this.now();
    for (const v of verdicts) {
      const k = v.location ?? '*';
      const prev = this.last.get(k);
      if (prev && prev.status === v.status && t - prev.at < this.heartbeatMs) continue;
      await this.sink.publishVerdict(v);
      this.last.set(k, { status: v.status, at: t });
      n++;
    }
    return n;
  }
}

export interface AttachedMonitor {
  service: MonitorService;
  /**
   * Reads the desired state again and hands a changed watch list to the monitor (serve does it every
   * `watchEveryMs`); true when it changed. A no-op when monitor.yml names a prefixes file.
   */
  refreshWatch(): Promise<boolean>;
  stop(): Promise<void>;
}

export async function attachMonitor(
  cp: { service: { exportDesiredState(): Promise<DesiredState> }; app: { log: { info(o: object, m: string): void } } },
  configPath: string,
  o: { verdicts?: VerdictSink; registry?: Registry; now?: () => number; watchEveryMs?: number } = {},
): Promise<AttachedMonitor> {
  const now = o.now ?? Date.now;
  const probe = await loadMonitorSetup(configPath);
  const fromApi = !probe.config.prefixes;
  const setup = fromApi
    ? await loadMonitorSetup(configPath, watchFromDesired(await cp.service.exportDesiredState()))
    : probe;
  const service = await startMonitorService(setup, {
    now,
    onAlert: (a) => cp.app.log.info({ alert: a }, `monitor ${a.rule}${a.resolved ? ' resolved' : ''} ${a.prefix}`),
  });
  registerMonitorMetrics(o.registry ?? defaultRegistry, service.metrics);
  const bridge = o.verdicts ? new MonitorSignalBridge(o.verdicts, now) : undefined;
  let syncing = false; // one sync at a time: a slow store must not pile up writes
  const timer = bridge
    ? setInterval(() => {
        if (syncing) return;
        syncing = true;
        bridge
          .sync(service.verdicts())
          .catch((e: Error) => cp.app.log.info({ err: e.message }, 'monitor: verdicts not stored, retried next second'))
          .finally(() => {
            syncing = false;
          });
      }, 1000)
    : undefined;
  timer?.unref();
  let digest = watchDigest(setup.watch);
  let reading: Promise<boolean> | undefined;
  const refreshWatch = (): Promise<boolean> => {
    if (!fromApi) return Promise.resolve(false);
    // One read at a time: a slow database must not pile up reads.
    reading ??= (async () => {
      try {
        const w = watchFromDesired(await cp.service.exportDesiredState());
        const d = watchDigest(w);
        if (d === digest) return false;
        digest = d;
        service.setWatch(w);
        cp.app.log.info({ prefixes: w.prefixes.length }, 'monitor: watch list follows the desired state');
        return true;
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };
  const follow = fromApi
    ? setInterval(() => {
        refreshWatch().catch((e: Error) =>
          cp.app.log.info({ err: e.message }, 'monitor: desired state not readable, watch list kept'),
        );
      }, o.watchEveryMs ?? 5000)
    : undefined;
  follow?.unref();
  return {
    service,
    refreshWatch,
    stop: async () => {
      clearInterval(timer);
      clearInterval(follow);
      await reading?.catch(() => undefined);
      await service.close();
    },
  };
}
