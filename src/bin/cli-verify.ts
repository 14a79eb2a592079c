// `failsmall verify`: the I/O around src/policy. Reads the two configurations (a file, or git:REV:PATH
// from the current repository), the RIBs (JSON route lists or MRT TABLE_DUMP_V2, plain/gzip/bzip2), the
// CAIDA relationships and the intent; prints the human summary, JSON or SARIF 2.1.0; exits 0 (safe),
// 1 (findings) or 2 (cannot evaluate: bad input, or an undefined/unsupported construct on an export path).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { FailsmallError } from '../lib/errors.js';
import { parseIntent } from '../policy/intent.js';
import { loadConfig } from '../policy/load.js';
import type { Vendor } from '../policy/model.js';
import { MrtRouteCollector } from '../policy/mrt-routes.js';
import { parseRouteList, type Route } from '../policy/route.js';
import { verify } from '../policy/verify/index.js';
import { EXIT_CODES, reportSarif, reportText } from '../policy/verify/report.js';
import { parseCaidaRelationships } from '../routing/relationships.js';
import { readDump } from './cli-mrt.js';
import { readMaybeCompressed } from './cli-routing.js';
import { VERSION } from './version.js';

export interface VerifyArgs {
  before: string;
  after: string;
  rib: string[];
  relationships?: string;
  intent?: string;
  vendor?: string;
  format?: string;
  maxExamples?: string;
}

/** A configuration's text and the name its traces carry: a path, or git:REV:PATH. */
export function readConfig(spec: string): { text: string; file: string } {
  const m = /^git:([^:]+):(.+)$/.exec(spec);
  if (m) {
    try {
      const text = execFileSync('git', ['show', `${m[1]}:${m[2]}`], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { text, file: m[2]! };
    } catch (e) {
      const err = (e as { stderr?: Buffer | string }).stderr?.toString().trim();
      throw new FailsmallError('E_POLICY_FILE', `cannot read ${spec} from git: ${err || (e as Error).message}`, {
        spec,
      });
    }
  }
  try {
    return { text: readFileSync(spec, 'utf8'), file: spec };
  } catch (e) {
    throw new FailsmallError('E_POLICY_FILE', `cannot read ${spec}: ${(e as Error).message}`, { path: spec });
  }
}

/** Routes of one --rib file: a JSON route list, or an MRT dump (sniffed by its first byte after decompression). */
export async function readRib(path: string): Promise<Route[]> {
  const bytes = readMaybeCompressedPolicy(path);
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x5b /* [ */) return parseRouteList(new TextDecoder().decode(bytes), path);
  const sink = new MrtRouteCollector();
  await readDump(path, sink);
  if (sink.routes.length === 0 && sink.damaged.length > 0) {
    throw new FailsmallError(
      'E_POLICY_RIB',
      `${path}: neither a JSON route list nor a readable MRT dump (${sink.damaged[0]!.code} ${sink.damaged[0]!.message})`,
    );
  }
  return sink.routes;
}

function readMaybeCompressedPolicy(path: string): Uint8Array {
  try {
    return readMaybeCompressed(path);
  } catch (e) {
    if (e instanceof FailsmallError) throw new FailsmallError('E_POLICY_FILE', e.message, { path });
    throw e;
  }
}

export async function verifyCommand(o: VerifyArgs): Promise<number> {
  const format = o.format ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format))
    throw new FailsmallError('E_POLICY_FILE', `--format ${format}: expected text, json or sarif`);
  if (o.vendor !== undefined && o.vendor !== 'junos' && o.vendor !== 'frr')
    throw new FailsmallError('E_POLICY_VENDOR', `--vendor ${o.vendor}: expected junos or frr`);
  const maxExamples = o.maxExamples === undefined ? 3 : Number(o.maxExamples);
  if (!Number.isInteger(maxExamples) || maxExamples < 0)
    throw new FailsmallError('E_POLICY_FILE', `--max-examples ${o.maxExamples}: expected a whole number`);
  const b = readConfig(o.before);
  const a = readConfig(o.after);
  const vendor = o.vendor as Vendor | undefined;
  const before = loadConfig(b.text, b.file, vendor);
  const after = loadConfig(a.text, a.file, vendor ?? before.vendor);
  const routes: Route[] = [];
  for (const f of o.rib) for (const r of await readRib(f)) routes.push(r);
  const relationships = o.relationships
    ? parseCaidaRelationships(readMaybeCompressedPolicy(o.relationships))
    : undefined;
  const intent = o.intent ? parseIntent(readConfig(o.intent).text) : undefined;
  const report = verify(before, after, routes, { relationships, intent, maxExamples });
  if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'sarif') process.stdout.write(`${JSON.stringify(reportSarif(report, VERSION), null, 2)}\n`);
  else process.stdout.write(reportText(report));
  return EXIT_CODES[report.verdict];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function register(program: Command): void {
  program
    .command('verify')
    .description(
      "simulate a routing-policy change (Junos or FRR) on the router's RIB: every neighbour's exports before and after, leaks and broken intent",
    )
    .requiredOption('--before <file>', 'configuration before the change (a file, or git:REV:PATH)')
    .requiredOption('--after <file>', 'configuration after the change')
    .requiredOption(
      '--rib <file>',
      'routes: JSON route list or MRT TABLE_DUMP_V2 (plain, gzip, bzip2); repeatable',
      collect,
    )
    .option('--relationships <file>', 'CAIDA AS relationships (serial-1 or serial-2, plain or bz2)')
    .option('--intent <file>', 'YAML: neighbors: {ADDRESS|GROUP: {role, allow: [prefixes]}}')
    .option('--vendor <vendor>', 'junos or frr (detected unless given)')
    .option('--format <format>', 'text, json or sarif', 'text')
    .option('--max-examples <n>', 'examples per finding', '3')
    .action(async (o: VerifyArgs) => {
      try {
        process.exitCode = await verifyCommand(o);
      } catch (e) {
        if (!(e instanceof FailsmallError)) throw e;
        process.stderr.write(`failsmall: ${e.code} ${e.message}\n`);
        process.exitCode = 2;
      }
    });
}
