// Loading what monitor.yml names: the file itself, the BGPalerter prefixes file, CAIDA AS relationships,
// rpki-client / Routinator JSON. Relative paths resolve from monitor.yml's directory; gzip and bzip2 files
// are decompressed (CAIDA publishes .bz2).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FailsmallError } from '../../lib/errors.js';
import type { AspaTable } from '../../routing/aspa.js';
import { type AsGraph, parseCaidaRelationships } from '../../routing/relationships.js';
import type { VrpIndex } from '../../routing/rov.js';
import { buildSnapshot } from '../../routing/rpki-store.js';
import { type MonitorConfig, parseMonitorConfig, parsePrefixesYml, type WatchList } from '../config.js';

export interface MonitorSetup {
  config: MonitorConfig;
  /** Directory of monitor.yml: relative paths resolve from here. */
  baseDir: string;
  watch: WatchList;
  graph?: AsGraph;
  vrps?: VrpIndex;
  aspas?: AspaTable;
}

export function resolveFrom(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

async function readMaybeCompressed(path: string): Promise<Buffer> {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    throw new FailsmallError('E_MONITOR_FILE', `cannot read ${path}: ${(e as Error).message}`, { path });
  }
  try {
    if (b[0] === 0x1f && b[1] === 0x8b) return gunzipSync(b);
    if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) {
      const { default: bz } = await import('unbzip2-stream');
      const chunks: Buffer[] = [];
      const s = bz();
      s.on('data', (c: Buffer) => chunks.push(c));
      await new Promise<void>((ok, fail) => {
        s.on('end', ok);
        s.on('error', fail);
        s.end(b);
      });
      return Buffer.concat(chunks);
    }
  } catch (e) {
    throw new FailsmallError('E_MONITOR_FILE', `cannot decompress ${path}: ${(e as Error).message}`, { path });
  }
  return b;
}

/** Reads monitor.yml and everything it names. `watch` replaces the prefixes file (serve: the Addressing API). */
export async function loadMonitorSetup(configPath: string, watch?: WatchList): Promise<MonitorSetup> {
  const baseDir = dirname(resolve(configPath));
  const config = parseMonitorConfig((await readMaybeCompressed(configPath)).toString('utf8'));
  const setup: MonitorSetup = { config, baseDir, watch: watch ?? { prefixes: [], monitorASns: new Map() } };
  if (!watch && config.prefixes) {
    setup.watch = parsePrefixesYml((await readMaybeCompressed(resolveFrom(baseDir, config.prefixes))).toString('utf8'));
  }
  if (config.relationships) {
    setup.graph = parseCaidaRelationships(await readMaybeCompressed(resolveFrom(baseDir, config.relationships)));
  }
  if (config.vrps) {
    const snap = buildSnapshot({ rpki: [await readMaybeCompressed(resolveFrom(baseDir, config.vrps))] }, 1);
    setup.vrps = snap.vrps;
    setup.aspas = snap.aspas;
  }
  return setup;
}
