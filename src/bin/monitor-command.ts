// What `failsmall monitor` does (registered, and loaded on use, by cli-monitor.ts; fixed interface in
// docs/monitor.md). With --replay: MRT files (BGP4MP updates; TABLE_DUMP_V2 RIBs as
// initial state; plain, gzip or bzip2) in order, as fast as possible or at the pace of their timestamps,
// then exit; a file of saved RIS Live JSON lines replays too. Without: the configured live feeds until
// SIGINT/SIGTERM. Every alert line goes to stdout and --alerts; channels get them rate-limited.
import { closeSync, openSync, writeSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { FailsmallError } from '../lib/errors.js';
import type { AlertRecord } from '../monitor/alerts.js';
import { makeChannel } from '../monitor/feeds/channels.js';
import { loadMonitorSetup, type MonitorSetup } from '../monitor/feeds/files.js';
import { replayRisLines } from '../monitor/feeds/ris-live.js';
import { monitorFromSetup, startMonitorService } from '../monitor/feeds/service.js';
import { MrtFeed } from '../monitor/mrt.js';
import { RisFeed } from '../monitor/ris.js';
import { type MrtRawRecord, MrtStreamReader } from '../wire/mrt/reader.js';
import { readDump } from './cli-mrt.js';

export interface MonitorCliOptions {
  config: string;
  replay?: string[];
  speed?: string;
  alerts?: string;
}

/** Writes alert lines to stdout and the --alerts file, in order, never dropping one. */
function alertWriter(path?: string): { write(a: AlertRecord): void; close(): void } {
  const fd = path ? openSync(path, 'w') : undefined;
  // A reader that goes away (`| head`) ends stdout, not the monitor: --alerts and the channels go on.
  let stdoutOpen = true;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutOpen = false;
  };
  process.stdout.on('error', onError);
  return {
    write(a) {
      const line = `${JSON.stringify(a)}\n`;
      if (stdoutOpen) process.stdout.write(line);
      if (fd !== undefined) writeSync(fd, line);
    },
    close() {
      process.stdout.off('error', onError);
      if (fd !== undefined) closeSync(fd);
    },
  };
}

async function isJsonLines(path: string): Promise<boolean> {
  const h = await openFile(path, 'r');
  try {
    const b = Buffer.alloc(1);
    await h.read(b, 0, 1, 0);
    return b[0] === 0x7b; // '{'
  } finally {
    await h.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Replays MRT files (or RIS Live JSON lines) into a fresh monitor; resolves when they end. */
export async function replay(
  setup: MonitorSetup,
  files: readonly string[],
  realtime: boolean,
  emit: (a: AlertRecord) => void,
): Promise<void> {
  const cfg = setup.config;
  const channels = cfg.channels.map((c) => makeChannel(c, cfg.rate_limit_per_minute));
  const sent: Promise<void>[] = [];
  const monitor = monitorFromSetup(setup, (a) => {
    emit(a);
    for (const c of channels) sent.push(c.send(a));
  });
  const feed = new MrtFeed(monitor);
  let first = -1;
  const wallStart = Date.now();
  for (const file of files) {
    if (await isJsonLines(file)) {
      await replayRisLines(new RisFeed(monitor), file);
      continue;
    }
    // Records as fast as they decode, or (realtime) collected and then played at the pace of their
    // timestamps. readDump keeps what decompressed before a broken gzip/bzip2 stream and reports the rest
    // as damage, as `mrt dump` does.
    const batch: MrtRawRecord[] = [];
    const sink = {
      record: realtime
        ? (r: MrtRawRecord) => batch.push({ ...r, buf: r.buf.slice(r.start, r.end), start: 0, end: r.end - r.start })
        : (r: MrtRawRecord) => feed.record(r),
      damage: (d: Parameters<MrtFeed['damage']>[0]) => feed.damage(d),
    };
    try {
      await readDump(file, sink);
    } catch (e) {
      throw new FailsmallError('E_MONITOR_FILE', `cannot read ${file}: ${(e as Error).message}`, { path: file });
    }
    for (const r of batch) {
      const t = r.timestamp * 1000 + r.microseconds / 1000;
      if (first < 0) first = t;
      const wait = t - first - (Date.now() - wallStart);
      if (wait > 0) await sleep(wait);
      feed.record(r);
    }
  }
  monitor.tick(feed.lastTime);
  await Promise.all(sent);
  for (const c of channels) c.close();
}

export async function monitorCommand(o: MonitorCliOptions): Promise<void> {
  if (o.speed !== undefined && o.speed !== 'max' && o.speed !== 'realtime') {
    throw new FailsmallError('E_MONITOR_CONFIG', `--speed must be max or realtime, not "${o.speed}"`);
  }
  const setup = await loadMonitorSetup(o.config);
  const out = alertWriter(o.alerts);
  try {
    if (o.replay && o.replay.length > 0) {
      await replay(setup, o.replay, o.speed === 'realtime', (a) => out.write(a));
      return;
    }
    const svc = await startMonitorService(setup, { onAlert: (a) => out.write(a) });
    const where = [
      svc.ports.bmp !== undefined ? `BMP on ${setup.config.feeds.bmp?.listen}` : '',
      svc.ports.bgp !== undefined ? `BGP on ${setup.config.feeds.bgp?.listen}` : '',
      svc.risClient ? `RIS Live ${setup.config.feeds.ris_live?.url}` : '',
    ].filter(Boolean);
    process.stderr.write(`failsmall monitor: ${where.join(', ') || 'no live feed configured'}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await svc.close();
  } finally {
    out.close();
  }
}
