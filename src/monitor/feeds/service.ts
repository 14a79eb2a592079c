// The monitor with its live feeds and channels, as one running thing: used by `failsmall monitor` without
// --replay and by `serve` (in-process) when configured. Alerts go to the caller's sink (every line) and to
// the channels (rate-limited there); a timer moves the fade-off clock on; verdicts() gives the Signals.
import { formatPrefix } from '../../lib/prefix.js';
import type { AlertRecord } from '../alerts.js';
import type { WatchList } from '../config.js';
import { Monitor } from '../monitor.js';
import { RisFeed } from '../ris.js';
import { locationVerdicts, type MonitorVerdict } from '../signals.js';
import { BgpCollector } from './bgp-collector.js';
import { BmpStation } from './bmp-station.js';
import { type Channel, makeChannel } from './channels.js';
import type { MonitorSetup } from './files.js';
import type { MonitorMetricsSource } from './metrics.js';
import { RisLiveClient, replayRisLines } from './ris-live.js';

export interface MonitorService {
  monitor: Monitor;
  channels: Channel[];
  bmp?: BmpStation;
  bgp?: BgpCollector;
  ris?: RisFeed;
  risClient?: RisLiveClient;
  /** Bound ports (useful with port 0). */
  ports: { bmp?: number; bgp?: number };
  metrics: MonitorMetricsSource;
  verdicts(): MonitorVerdict[];
  /** Follows a new watch list (desired state changed) without dropping sessions or state. */
  setWatch(watch: WatchList): void;
  close(): Promise<void>;
}

export interface ServiceOptions {
  onAlert?: (a: AlertRecord) => void;
  now?: () => number;
  tickMs?: number;
}

/** A monitor with what monitor.yml configured: our ASNs, the watch list, relationships, RPKI, visibility. */
export function monitorFromSetup(setup: MonitorSetup, onAlert: (a: AlertRecord) => void): Monitor {
  return new Monitor({
    asns: setup.config.asns,
    watch: setup.watch,
    ...(setup.graph ? { graph: setup.graph } : {}),
    ...(setup.vrps ? { vrps: setup.vrps } : {}),
    ...(setup.aspas ? { aspas: setup.aspas } : {}),
    visibility: setup.config.visibility,
    onAlert,
  });
}

export async function startMonitorService(setup: MonitorSetup, o: ServiceOptions = {}): Promise<MonitorService> {
  const cfg = setup.config;
  const now = o.now ?? Date.now;
  const channels = cfg.channels.map((c) => makeChannel(c, cfg.rate_limit_per_minute));
  const monitor = monitorFromSetup(setup, (a) => {
    o.onAlert?.(a);
    for (const c of channels) void c.send(a);
  });
  let watch = setup.watch;
  const svc: MonitorService = {
    monitor,
    channels,
    ports: {},
    metrics: {
      messagesByFeed: () => ({
        bmp: svc.bmp?.counters.messages ?? 0,
        bgp: svc.bgp?.counters.messages ?? 0,
        ris_live: svc.ris?.counters.messages ?? 0,
      }),
      peersUp: () => monitor.peersUp,
      alertsOpen: () => monitor.alerts.openCount,
    },
    verdicts: () => {
      const locations =
        cfg.locations ??
        Object.fromEntries(watch.prefixes.map((w) => [formatPrefix(w.prefix), [formatPrefix(w.prefix)]]));
      return locationVerdicts(monitor, locations);
    },
    setWatch: (w) => {
      watch = w;
      monitor.setWatch(w, now());
    },
    close: async () => {
      clearInterval(timer);
      svc.risClient?.close();
      await Promise.all([svc.bmp?.close(), svc.bgp?.close()]);
      for (const c of channels) c.close();
    },
  };
  const timer = setInterval(() => monitor.tick(now()), o.tickMs ?? 250);
  timer.unref();
  try {
    if (cfg.feeds.bmp) {
      svc.bmp = new BmpStation(monitor, now);
      svc.ports.bmp = await svc.bmp.start(cfg.feeds.bmp.listen);
    }
    if (cfg.feeds.bgp) {
      const bgp = cfg.feeds.bgp;
      svc.bgp = new BgpCollector(monitor, { asn: bgp.asn, ...(bgp.routerId ? { routerId: bgp.routerId } : {}) }, now);
      svc.ports.bgp = await svc.bgp.start(bgp.listen);
    }
    if (cfg.feeds.ris_live) {
      svc.ris = new RisFeed(monitor);
      if (cfg.feeds.ris_live.replay) await replayRisLines(svc.ris, cfg.feeds.ris_live.replay);
      const subs = RisFeed.subscriptions(
        setup.watch.prefixes.map((w) => formatPrefix(w.prefix)),
        cfg.asns,
      );
      svc.risClient = new RisLiveClient(svc.ris, cfg.feeds.ris_live.url, subs);
      svc.risClient.start();
    }
  } catch (e) {
    await svc.close();
    throw e;
  }
  return svc;
}
