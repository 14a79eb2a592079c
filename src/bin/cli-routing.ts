// `failsmall rpki validate`, `failsmall aspa verify`, `failsmall path classify`: the file reading around
// the pure routing layer. Files may be plain, gzip or bzip2. Exit status: 0 for a Valid / NotFound /
// Unknown / valley-free answer, 1 for Invalid or a valley, 2 for bad input (with its error code).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Command } from 'commander';
import { parseAsn } from '../lib/asn.js';
import { FailsmallError } from '../lib/errors.js';
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import { formatAsPath, parseAsPath } from '../routing/as-path.js';
import { type AspaTable, aspaVerify } from '../routing/aspa.js';
import { classifyPath, LEAK_TYPE_NAMES } from '../routing/leaks.js';
import { parseCaidaRelationships } from '../routing/relationships.js';
import { parseRole } from '../routing/roles.js';
import type { Vrp } from '../routing/rov.js';
import { buildSnapshot } from '../routing/rpki-store.js';

/** A file's bytes, decompressed when it starts with the gzip or bzip2 magic. */
export function readMaybeCompressed(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new FailsmallError('E_ROUTING_FILE', `cannot read ${path}: ${(e as Error).message}`, { path });
  }
  if (raw[0] === 0x1f && raw[1] === 0x8b) return gunzipSync(raw);
  if (raw[0] === 0x42 && raw[1] === 0x5a && raw[2] === 0x68) {
    try {
      return execFileSync('bzip2', ['-dc', path], { maxBuffer: 1 << 30 });
    } catch (e) {
      throw new FailsmallError('E_ROUTING_FILE', `cannot decompress ${path} with bzip2: ${(e as Error).message}`, {
        path,
      });
    }
  }
  return raw;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function vrpText(v: Vrp): string {
  return `${formatPrefix(v.prefix)}-${v.maxLength} AS${v.asn}${v.ta ? ` (${v.ta})` : ''}`;
}

/** Run an action; a FailsmallError prints its code and message and exits 2. */
function guarded<A extends unknown[]>(fn: (...args: A) => number): (...args: A) => void {
  return (...args: A) => {
    try {
      process.exitCode = fn(...args);
    } catch (e) {
      if (!(e instanceof FailsmallError)) throw e;
      process.stderr.write(`error ${e.code}: ${e.message}\n`);
      process.exitCode = 2;
    }
  };
}

const out = (s: string) => process.stdout.write(`${s}\n`);

export function register(program: Command): void {
  const rpki = program.command('rpki').description('RPKI data: route origin validation (RFC 6811)');
  rpki
    .command('validate')
    .description('validate a route (prefix, origin AS) against VRPs: valid, invalid (and why) or not-found')
    .requiredOption(
      '--vrps <file>',
      'rpki-client JSON, Routinator json/jsonext/csv (plain, .gz or .bz2); repeatable',
      collect,
    )
    .option('--slurm <file>', 'SLURM (RFC 8416) overlay; repeatable', collect)
    .option('--json', 'print the result as JSON')
    .argument('<prefix>', 'route prefix, e.g. 192.0.2.0/24')
    .argument('<origin>', 'origin AS (65000, AS65000 or asdot), or NONE for a path ending in an AS_SET')
    .action(
      guarded((prefixText: string, originText: string, o: { vrps: string[]; slurm?: string[]; json?: boolean }) => {
        const prefix = parsePrefix(prefixText);
        const origin = originText.toUpperCase() === 'NONE' ? null : parseAsn(originText);
        const snap = buildSnapshot(
          { rpki: o.vrps.map(readMaybeCompressed), slurm: (o.slurm ?? []).map(readMaybeCompressed) },
          1,
        );
        const r = snap.vrps.explain(prefix, origin);
        if (o.json) {
          const v = (x: Vrp) => ({ prefix: formatPrefix(x.prefix), maxLength: x.maxLength, asn: x.asn, ta: x.ta });
          out(
            JSON.stringify({
              prefix: formatPrefix(prefix),
              origin,
              state: r.state,
              reason: r.reason,
              matched: r.matched.map(v),
              covering: r.covering.map(v),
            }),
          );
        } else {
          const why =
            r.reason === 'too-specific' ? ' (too specific: maxLength exceeded)' : r.reason ? ' (wrong origin)' : '';
          out(`${formatPrefix(prefix)} ${origin === null ? 'NONE' : `AS${origin}`}: ${r.state}${why}`);
          if (r.matched.length > 0) out(`matched by: ${r.matched.map(vrpText).join(', ')}`);
          if (r.covering.length > 0) out(`covering VRPs: ${r.covering.map(vrpText).join(', ')}`);
          out(`(${snap.vrps.size} VRPs loaded)`);
        }
        return r.state === 'invalid' ? 1 : 0;
      }),
    );

  const aspa = program
    .command('aspa')
    .description('ASPA-based AS_PATH verification (draft-ietf-sidrops-aspa-verification-28)');
  aspa
    .command('verify')
    .description('verify an AS path: the verdict, the four ramps, and the Not Provider+ hops')
    .requiredOption('--aspas <file>', 'rpki-client JSON or Routinator json/jsonext with ASPAs; repeatable', collect)
    .option('--slurm <file>', 'SLURM overlay (slurmVersion 2 carries ASPA filters and assertions); repeatable', collect)
    .requiredOption('--path <path>', 'AS path, neighbour first: "64496 64497 {64498,64499}"')
    .requiredOption('--neighbor-role <role>', 'role of the AS the route came from: provider|customer|peer|rs|rs-client')
    .option('--neighbor-asn <asn>', 'the neighbour AS (default: the first AS of the path)')
    .option('--json', 'print the result as JSON')
    .action(
      guarded(
        (o: {
          aspas: string[];
          slurm?: string[];
          path: string;
          neighborRole: string;
          neighborAsn?: string;
          json?: boolean;
        }) => {
          const role = parseRole(o.neighborRole);
          const path = parseAsPath(o.path);
          const first = path.find((s) => s.type === 1 || s.type === 2)?.asns[0];
          const neighborAsn = o.neighborAsn !== undefined ? parseAsn(o.neighborAsn) : (first ?? 0);
          const snap = buildSnapshot(
            { rpki: o.aspas.map(readMaybeCompressed), slurm: (o.slurm ?? []).map(readMaybeCompressed) },
            1,
          );
          const table: AspaTable = snap.aspas;
          const r = aspaVerify(table, path, { neighborRole: role, neighborAsn });
          if (o.json) {
            out(
              JSON.stringify({
                input: formatAsPath(path),
                neighborRole: role,
                neighborAsn,
                ...r,
                compressedPath: r.path,
              }),
            );
          } else {
            out(`${formatAsPath(path)} from ${role} AS${neighborAsn}: ${r.verdict} (${r.procedure})`);
            if (r.reason && r.reason !== 'ramps') out(`reason: ${r.reason}`);
            if (r.ramps) {
              out(`compressed path (N=${r.path.length}): ${r.path.join(' ')}`);
              const { maxUp, minUp, maxDown, minDown } = r.ramps;
              out(`ramps: max_up_ramp=${maxUp} min_up_ramp=${minUp} max_down_ramp=${maxDown} min_down_ramp=${minDown}`);
            }
            for (const h of r.notProviderPlus)
              out(`Not Provider+: AS${h.provider} is not a provider of AS${h.customer} (${h.direction})`);
            if (o.neighborAsn === undefined && role !== 'rs')
              out(`(neighbour assumed to be AS${neighborAsn}; give --neighbor-asn to check it)`);
            out(`(${table.size} ASPA customers loaded)`);
          }
          return r.verdict === 'invalid' ? 1 : 0;
        },
      ),
    );

  const pathCmd = program.command('path').description('AS paths against AS relationships');
  pathCmd
    .command('classify')
    .description('valley-free or not, naming the first valley and its RFC 7908 leak type')
    .requiredOption('--relationships <file>', 'CAIDA as-rel file, serial-1 or serial-2 (plain, .gz or .bz2)')
    .requiredOption('--path <path>', 'AS path, neighbour first')
    .option('--receiver <asn>', 'the AS that received the path (checks its link to the neighbour too)')
    .option('--json', 'print the result as JSON')
    .action(
      guarded((o: { relationships: string; path: string; receiver?: string; json?: boolean }) => {
        const graph = parseCaidaRelationships(readMaybeCompressed(o.relationships));
        const path = parseAsPath(o.path);
        const r = classifyPath(graph, path, o.receiver !== undefined ? parseAsn(o.receiver) : undefined);
        if (o.json) {
          out(JSON.stringify(r));
        } else {
          const hops = r.hops.map((h) => `AS${h.from}->AS${h.to} ${h.rel === undefined ? 'unknown' : `(${h.rel})`}`);
          out(`${formatAsPath(path)}: ${r.verdict}`);
          if (hops.length > 0) out(`hops from the origin: ${hops.join(', ')}`);
          if (r.verdict === 'valley') {
            out(
              `first valley: AS${r.leaker} received the route from AS${r.receivedFrom} (its ${r.learnedFromRole ?? 'unknown neighbour'}) and sent it to AS${r.sentTo} (its ${r.sentToRole})`,
            );
            if (r.leakType !== null) out(`RFC 7908 type ${r.leakType}: ${LEAK_TYPE_NAMES[r.leakType]}`);
          }
          if (r.verdict === 'incomplete')
            out(`unknown links: ${r.unknown.map((h) => `AS${h.from}-AS${h.to}`).join(', ')}`);
          out(`(${graph.asCount} ASes, ${graph.linkCount} links loaded)`);
        }
        return r.verdict === 'valley' || r.verdict === 'as-set' ? 1 : 0;
      }),
    );
}
