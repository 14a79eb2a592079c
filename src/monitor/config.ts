// monitor.yml and BGPalerter's prefixes.yml, parsed from text (pure: the files are read by
// src/monitor/feeds/files.ts, which also resolves relative paths from monitor.yml's directory).
// prefixes.yml is read unchanged: one block per prefix (asn, description, ignoreMorespecifics, ignore,
// group, includeMonitors/excludeMonitors, path: kept but not interpreted) and `options.monitorASns`
// with `group`, `upstreams`, `downstreams`.
import { parse as parseYaml } from 'yaml';
import { FailsmallError } from '../lib/errors.js';
import { type Prefix, tryParsePrefix } from '../lib/prefix.js';

export interface WatchedPrefix {
  prefix: Prefix;
  /** Expected origins; empty means none is legitimate (every announcement is a hijack). */
  asns: number[];
  description: string;
  ignoreMorespecifics: boolean;
  ignore: boolean;
  group: string;
}

export interface MonitoredAsn {
  asn: number;
  group: string;
  /** Expected neighbours toward the collectors (left of the AS in paths); undefined: not checked. */
  upstreams?: ReadonlySet<number>;
  /** Expected neighbours away from the collectors (right of the AS); undefined: not checked. */
  downstreams?: ReadonlySet<number>;
}

export interface WatchList {
  prefixes: WatchedPrefix[];
  monitorASns: Map<number, MonitoredAsn>;
}

export interface FeedsConfig {
  bmp?: { listen: string };
  bgp?: { listen: string; asn: number; routerId?: string };
  ris_live?: { url: string; replay?: string };
}

export type ChannelConfig =
  | { type: 'webhook'; url: string; secret: string }
  | { type: 'slack'; url: string }
  | { type: 'syslog'; address: string; protocol?: 'udp' | 'tcp' }
  | { type: 'file'; path: string };

export interface MonitorConfig {
  asns: number[];
  /** Path of the prefixes file as written (relative to monitor.yml), or undefined when given by the API. */
  prefixes?: string;
  relationships?: string;
  vrps?: string;
  visibility: { min_peers_fraction: number; fade_off_s: number };
  feeds: FeedsConfig;
  channels: ChannelConfig[];
  /** Extension: locations for the rollout Signals, each with the prefixes whose health it answers for. */
  locations?: Record<string, string[]>;
  /** Extension: notifications per channel per minute (default 30); stdout and --alerts are never limited. */
  rate_limit_per_minute?: number;
}

const fail = (code: 'E_MONITOR_CONFIG' | 'E_MONITOR_PREFIXES', message: string, details?: Record<string, unknown>) =>
  new FailsmallError(code, message, details);

function asn(v: unknown, where: string, code: 'E_MONITOR_CONFIG' | 'E_MONITOR_PREFIXES'): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw fail(code, `${where}: ${JSON.stringify(v)} is not an AS number`, { where });
  }
  return n;
}

function asnList(v: unknown, where: string, code: 'E_MONITOR_CONFIG' | 'E_MONITOR_PREFIXES'): number[] {
  if (Array.isArray(v)) return v.map((x, i) => asn(x, `${where}[${i}]`, code));
  return [asn(v, where, code)];
}

function yaml(text: string, code: 'E_MONITOR_CONFIG' | 'E_MONITOR_PREFIXES', what: string): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    throw fail(code, `${what} is not valid YAML: ${(e as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** BGPalerter's prefixes.yml. Unknown per-prefix keys are kept out of the way, as BGPalerter does. */
export function parsePrefixesYml(text: string): WatchList {
  const doc = yaml(text, 'E_MONITOR_PREFIXES', 'the prefixes file') ?? {};
  if (!isObject(doc)) throw fail('E_MONITOR_PREFIXES', 'the prefixes file must be a mapping of prefix → settings');
  const prefixes: WatchedPrefix[] = [];
  const monitorASns = new Map<number, MonitoredAsn>();
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'options') {
      const m = isObject(value) ? value.monitorASns : undefined;
      if (m === undefined || m === null) continue;
      if (!isObject(m))
        throw fail('E_MONITOR_PREFIXES', 'options.monitorASns must be a mapping of AS number → settings');
      for (const [a, s] of Object.entries(m)) {
        const n = asn(a, `options.monitorASns.${a}`, 'E_MONITOR_PREFIXES');
        const set = isObject(s) ? s : {};
        const entry: MonitoredAsn = { asn: n, group: typeof set.group === 'string' ? set.group : 'default' };
        if (set.upstreams !== undefined && set.upstreams !== null) {
          entry.upstreams = new Set(asnList(set.upstreams, `options.monitorASns.${a}.upstreams`, 'E_MONITOR_PREFIXES'));
        }
        if (set.downstreams !== undefined && set.downstreams !== null) {
          entry.downstreams = new Set(
            asnList(set.downstreams, `options.monitorASns.${a}.downstreams`, 'E_MONITOR_PREFIXES'),
          );
        }
        monitorASns.set(n, entry);
      }
      continue;
    }
    const p = tryParsePrefix(key);
    if (!p.ok) throw fail('E_MONITOR_PREFIXES', `"${key}" is not a prefix: ${p.message}`, { prefix: key });
    const s = isObject(value) ? value : {};
    if (s.asn === undefined || s.asn === null) {
      throw fail('E_MONITOR_PREFIXES', `${key}: asn is required (an AS number or a list of them)`, { prefix: key });
    }
    prefixes.push({
      prefix: p.prefix,
      asns: asnList(s.asn, `${key}.asn`, 'E_MONITOR_PREFIXES'),
      description: typeof s.description === 'string' ? s.description : '',
      ignoreMorespecifics: s.ignoreMorespecifics === true,
      ignore: s.ignore === true,
      group: typeof s.group === 'string' ? s.group : 'default',
    });
  }
  return { prefixes, monitorASns };
}

const TOP_KEYS = new Set([
  'asns',
  'prefixes',
  'relationships',
  'vrps',
  'visibility',
  'feeds',
  'channels',
  'locations',
  'rate_limit_per_minute',
]);

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '')
    throw fail('E_MONITOR_CONFIG', `${where} must be a non-empty string`, { key: where });
  return v;
}

/** monitor.yml. Paths stay as written; the loader resolves them from the file's directory. */
export function parseMonitorConfig(text: string): MonitorConfig {
  const doc = yaml(text, 'E_MONITOR_CONFIG', 'monitor.yml') ?? {};
  if (!isObject(doc)) throw fail('E_MONITOR_CONFIG', 'monitor.yml must be a mapping');
  for (const k of Object.keys(doc)) {
    if (!TOP_KEYS.has(k)) throw fail('E_MONITOR_CONFIG', `monitor.yml: unknown key "${k}"`, { key: k });
  }
  const cfg: MonitorConfig = {
    asns: doc.asns === undefined ? [] : asnList(doc.asns, 'asns', 'E_MONITOR_CONFIG'),
    visibility: { min_peers_fraction: 0.8, fade_off_s: 60 },
    feeds: {},
    channels: [],
  };
  for (const k of ['prefixes', 'relationships', 'vrps'] as const) {
    if (doc[k] !== undefined && doc[k] !== null) cfg[k] = str(doc[k], k);
  }
  if (doc.visibility !== undefined) {
    if (!isObject(doc.visibility)) throw fail('E_MONITOR_CONFIG', 'visibility must be a mapping');
    const f = doc.visibility.min_peers_fraction ?? 0.8;
    const t = doc.visibility.fade_off_s ?? 60;
    if (typeof f !== 'number' || !(f > 0 && f <= 1)) {
      throw fail('E_MONITOR_CONFIG', 'visibility.min_peers_fraction must be a number in (0, 1]', {
        key: 'visibility.min_peers_fraction',
      });
    }
    if (typeof t !== 'number' || !(t >= 0)) {
      throw fail('E_MONITOR_CONFIG', 'visibility.fade_off_s must be a number of seconds ≥ 0', {
        key: 'visibility.fade_off_s',
      });
    }
    cfg.visibility = { min_peers_fraction: f, fade_off_s: t };
  }
  if (doc.feeds !== undefined && doc.feeds !== null) {
    if (!isObject(doc.feeds)) throw fail('E_MONITOR_CONFIG', 'feeds must be a mapping');
    const f = doc.feeds;
    for (const k of Object.keys(f)) {
      if (!['bmp', 'bgp', 'ris_live'].includes(k))
        throw fail('E_MONITOR_CONFIG', `feeds: unknown feed "${k}"`, { key: `feeds.${k}` });
    }
    if (isObject(f.bmp)) cfg.feeds.bmp = { listen: str(f.bmp.listen, 'feeds.bmp.listen') };
    if (isObject(f.bgp)) {
      cfg.feeds.bgp = {
        listen: str(f.bgp.listen, 'feeds.bgp.listen'),
        asn: asn(f.bgp.asn, 'feeds.bgp.asn', 'E_MONITOR_CONFIG'),
      };
      if (f.bgp.router_id !== undefined) cfg.feeds.bgp.routerId = str(f.bgp.router_id, 'feeds.bgp.router_id');
    }
    if (isObject(f.ris_live)) {
      cfg.feeds.ris_live = { url: str(f.ris_live.url, 'feeds.ris_live.url') };
      if (f.ris_live.replay !== undefined) cfg.feeds.ris_live.replay = str(f.ris_live.replay, 'feeds.ris_live.replay');
    }
  }
  if (doc.channels !== undefined && doc.channels !== null) {
    if (!Array.isArray(doc.channels)) throw fail('E_MONITOR_CONFIG', 'channels must be a list');
    cfg.channels = doc.channels.map((c, i) => channel(c, `channels[${i}]`));
  }
  if (doc.locations !== undefined && doc.locations !== null) {
    if (!isObject(doc.locations)) throw fail('E_MONITOR_CONFIG', 'locations must be a mapping of name → prefixes');
    cfg.locations = {};
    for (const [name, list] of Object.entries(doc.locations)) {
      if (!Array.isArray(list)) throw fail('E_MONITOR_CONFIG', `locations.${name} must be a list of prefixes`);
      cfg.locations[name] = list.map((p, i) => {
        const r = tryParsePrefix(String(p));
        if (!r.ok) throw fail('E_MONITOR_CONFIG', `locations.${name}[${i}]: ${r.message}`);
        return String(p);
      });
    }
  }
  if (doc.rate_limit_per_minute !== undefined) {
    const r = doc.rate_limit_per_minute;
    if (typeof r !== 'number' || !(r > 0))
      throw fail('E_MONITOR_CONFIG', 'rate_limit_per_minute must be a positive number');
    cfg.rate_limit_per_minute = r;
  }
  return cfg;
}

function channel(c: unknown, where: string): ChannelConfig {
  if (!isObject(c)) throw fail('E_MONITOR_CONFIG', `${where} must be a mapping with a type`);
  switch (c.type) {
    case 'webhook':
      return { type: 'webhook', url: str(c.url, `${where}.url`), secret: str(c.secret, `${where}.secret`) };
    case 'slack':
      return { type: 'slack', url: str(c.url, `${where}.url`) };
    case 'syslog': {
      const s: ChannelConfig = { type: 'syslog', address: str(c.address, `${where}.address`) };
      if (c.protocol === 'tcp' || c.protocol === 'udp') s.protocol = c.protocol;
      return s;
    }
    case 'file':
      return { type: 'file', path: str(c.path, `${where}.path`) };
    default:
      throw fail('E_MONITOR_CONFIG', `${where}.type must be webhook, slack, syslog or file`, { key: `${where}.type` });
  }
}
