// `failsmall mrt dump` and `failsmall mrt stats`: the I/O around src/wire/mrt. Files are read in large
// chunks and decompressed as streams (src/bin/mrt-input.ts: gzip with node:zlib, bzip2 with a bzip2 child
// process), so a dump of any size is read in constant memory; text goes to stdout in ~64 KB synchronous writes.
import { statSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { FailsmallError } from '../lib/errors.js';
import { BgpdumpFormatter } from '../wire/mrt/bgpdump-format.js';
import { type MrtDamage, type MrtSink, MrtStreamReader } from '../wire/mrt/reader.js';
import type { MrtStats } from '../wire/mrt/stats.js';
import { decompressFile } from './mrt-input.js';

// cli-progress and the stats (which pull in the BGP codec) load on demand: `mrt dump` of a
// gzip file starts faster without them.

/** Feed a whole dump through `sink`; resolves when the input ends. A decompressor failure is damage. */
export async function readDump(path: string, sink: MrtSink, progress?: (bytes: number) => void): Promise<void> {
  const reader = new MrtStreamReader();
  const failed = await decompressFile(path, (chunk) => reader.push(chunk, sink), progress);
  if (failed !== undefined) {
    sink.damage({
      offset: reader.position,
      code: 'E_MRT_DECOMPRESS',
      message: `${failed.message} after ${failed.compressedOffset} compressed bytes; the ${reader.position} bytes before it were read`,
    });
  }
  reader.end(sink);
}

/** Synchronous write of all of `chunk` to a file descriptor, waiting out EAGAIN on non-blocking pipes. */
function writeAll(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) {
    try {
      off += writeSync(fd, chunk, off, chunk.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // The reader went away (`mrt dump -m x | head`): the output is no longer wanted, as for bgpdump.
      if (code === 'EPIPE') process.exit(0);
      if (code !== 'EAGAIN') throw e;
    }
  }
}

function describeDamage(d: MrtDamage): string {
  return `offset ${d.offset}: ${d.code} ${d.message}`;
}

export async function dumpCommand(
  file: string,
  o: { human: boolean; verbose: boolean },
  out: (chunk: Uint8Array) => void = (c) => writeAll(1, c),
  err: (line: string) => void = (line) => process.stderr.write(line),
): Promise<number> {
  const warn = o.verbose ? (offset: number, msg: string) => err(`offset ${offset}: ${msg}\n`) : undefined;
  const fmt = new BgpdumpFormatter(out, { human: o.human, warn });
  let damaged = 0;
  await readDump(file, {
    record: (r) => fmt.record(r),
    damage: (d) => {
      damaged++;
      fmt.flush();
      err(`${describeDamage(d)}\n`);
    },
  });
  fmt.flush();
  return damaged;
}

export async function statsCommand(file: string, o: { json: boolean }): Promise<MrtStats> {
  const { MrtStats, formatStats } = await import('../wire/mrt/stats.js');
  const stats = new MrtStats();
  let bar: import('cli-progress').SingleBar | undefined;
  let done = 0;
  if (process.stderr.isTTY) {
    const { SingleBar } = await import('cli-progress');
    const { size } = statSync(file);
    bar = new SingleBar({
      stream: process.stderr,
      format: ' {bar} {percentage}% | {value}/{total} bytes | {records} records',
    });
    bar.start(size, 0, { records: 0 });
  }
  await readDump(
    file,
    {
      record: (r) => stats.record(r),
      damage: (d) => stats.damage(d),
    },
    bar
      ? (n) => {
          done += n;
          bar!.update(done, { records: stats.records });
        }
      : undefined,
  );
  bar?.stop();
  process.stdout.write(o.json ? `${JSON.stringify(stats.summary(), null, 2)}\n` : formatStats(stats.summary()));
  return stats;
}

/** Runs a command body; a FailsmallError becomes one line on stderr and exit code 2. */
async function guarded(body: () => Promise<unknown>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!(e instanceof FailsmallError)) throw e;
    process.stderr.write(`failsmall: ${e.code} ${e.message}\n`);
    process.exitCode = 2;
  }
}

export function register(program: Command): void {
  const mrt = program
    .command('mrt')
    .description('read MRT routing dumps (RFC 6396): TABLE_DUMP, TABLE_DUMP_V2, BGP4MP');
  mrt
    .command('dump')
    .description('print every route of an MRT file (plain, gzip or bzip2) one per line, exactly as bgpdump -m / -M')
    .option('-m', 'one line per entry with Unix timestamps (the default)')
    .option('-M', 'one line per entry with human-readable timestamps')
    .option('-v', 'log warnings about damaged records to stderr')
    .argument('<file>', 'MRT file')
    .action(async (file: string, o: { m?: boolean; M?: boolean; v?: boolean }) => {
      await guarded(() => dumpCommand(file, { human: o.M === true && o.m !== true, verbose: o.v === true }));
    });
  mrt
    .command('stats')
    .description('count the records of an MRT file by type and subtype, its peers and prefixes per family')
    .option('--json', 'print the figures as JSON')
    .argument('<file>', 'MRT file')
    .action(async (file: string, o: { json?: boolean }) => {
      await guarded(() => statsCommand(file, { json: o.json === true }));
    });
}

// `node dist/bin/cli-mrt.js dump -m FILE` is `failsmall mrt dump -m FILE` without loading the rest of the
// CLI (the HTTP server and database code that dist/bin/cli.js imports for every subcommand).
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const { Command } = await import('commander');
  const program = new Command('failsmall');
  register(program);
  await program.parseAsync([process.argv[0]!, 'failsmall', 'mrt', ...process.argv.slice(2)]);
}
