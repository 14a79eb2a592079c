// The decompressed bytes of an MRT file, handed to a callback chunk by chunk as they come out of the
// decompressor. Records already decompressed when a gzip or bzip2 stream fails (a truncated download, a
// zeroed CRC) are kept: the callback has seen every byte before the failure, and the failure comes back as
// a value with a message of our own (never a JavaScript error text).
//
// bzip2 goes through a `bzip2 -dc` child process when the binary is installed: measured on this machine
// (bench/mrt.bench.ts, bz2 row) it decompresses in parallel with our parsing, where the pure-JS
// unbzip2-stream took 1.8 s for a file bgpdump reads in 2.1 s. It also salvages what libbz2 salvages: every
// complete block before the damage (less its last partial 5,000-byte write). lbzip2 was measured too: faster
// on an idle machine, but on a truncated file it writes only the blocks of its first batch (900 kB where
// bzip2 writes 2.8 MB). Without bzip2 on PATH, unbzip2-stream is the fallback.
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip, createInflateRaw } from 'node:zlib';
import { FailsmallError } from '../lib/errors.js';

const READ_CHUNK = 1 << 20;

export type Compression = 'gzip' | 'bzip2' | 'none';

/** What kind of compression the file starts with. */
export function sniffCompression(path: string): Compression {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new FailsmallError('E_MRT_FILE', `cannot open ${path}: ${(e as Error).message}`, { path });
  }
  const head = new Uint8Array(3);
  const n = readSync(fd, head, 0, 3, 0);
  closeSync(fd);
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (n >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

/** How a decompressor failed: `compressedOffset` is how far into the file it had read. */
export interface DecompressFailure {
  compression: Compression;
  compressedOffset: number;
  message: string;
}

function onPath(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return undefined;
}

/** zlib's own reason (its `code`), in words; anything else becomes a generic reason. */
function gzipReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'Z_BUF_ERROR') return 'the gzip stream ends early (truncated file)';
  if (code === 'Z_DATA_ERROR') return 'the gzip stream is corrupt (bad data, header or CRC)';
  return 'the gzip stream cannot be decompressed';
}

/** Length of the gzip member header at the start of `b` (RFC 1952 §2.3), or undefined if it is cut. */
function gzipHeaderLength(b: Uint8Array): number | undefined {
  if (b.length < 10) return undefined;
  const flags = b[3]!;
  let p = 10;
  if (flags & 4) {
    if (p + 2 > b.length) return undefined;
    p += 2 + (b[p]! | (b[p + 1]! << 8));
  }
  for (const bit of [8, 16]) {
    if (!(flags & bit)) continue;
    while (p < b.length && b[p] !== 0) p++;
    p++;
  }
  if (flags & 2) p += 2;
  return p <= b.length ? p : undefined;
}

/**
 * node:zlib drops the output of the call that fails (up to a whole chunk), and a gzip with a bad CRC fails
 * only after its last byte of data. So after a failure the first member is inflated again as raw deflate
 * (which knows nothing of the CRC), in small chunks, and what comes after the `skip` bytes already handed
 * out is handed out too: what bgpdump's gzread salvages, to the byte.
 */
async function salvageGzip(path: string, skip: number, chunk: (bytes: Uint8Array) => void): Promise<void> {
  const head = new Uint8Array(64 * 1024);
  const fd = openSync(path, 'r');
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const start = gzipHeaderLength(head.subarray(0, n));
  if (start === undefined) return;
  await new Promise<void>((resolve) => {
    let seen = 0;
    const inflate = createInflateRaw({ chunkSize: 1024 });
    inflate.on('data', (c: Buffer) => {
      const from = Math.max(0, skip - seen);
      seen += c.length;
      if (from < c.length) chunk(c.subarray(from));
    });
    inflate.on('end', resolve);
    inflate.on('error', resolve);
    createReadStream(path, { start, highWaterMark: READ_CHUNK }).pipe(inflate);
  });
}

/**
 * Streams the decompressed bytes of `path` into `chunk`. Resolves with undefined when the input ended
 * cleanly, or with the failure; every byte decompressed before it has gone to `chunk`.
 */
export function decompressFile(
  path: string,
  chunk: (bytes: Uint8Array) => void,
  progress?: (compressedBytes: number) => void,
): Promise<DecompressFailure | undefined> {
  const compression = sniffCompression(path);
  let read = 0;
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK });
  raw.on('data', (c) => {
    read += (c as Buffer).length;
    progress?.((c as Buffer).length);
  });
  const failure = (message: string): DecompressFailure => ({ compression, compressedOffset: read, message });
  return new Promise((resolve, reject) => {
    raw.on('error', (e) => reject(new FailsmallError('E_MRT_FILE', `cannot read ${path}: ${e.message}`, { path })));
    if (compression === 'none') {
      raw.on('data', (c) => chunk(c as Buffer));
      raw.on('end', () => resolve(undefined));
      return;
    }
    if (compression === 'gzip') {
      let delivered = 0;
      const gz = createGunzip({ chunkSize: 1 << 18 });
      gz.on('data', (c: Buffer) => {
        delivered += c.length;
        chunk(c);
      });
      gz.on('end', () => resolve(undefined));
      gz.on('error', (e) => {
        raw.destroy();
        const failed = failure(gzipReason(e));
        salvageGzip(path, delivered, chunk).then(() => resolve(failed), reject);
      });
      raw.pipe(gz);
      return;
    }
    const bzip2 = onPath('bzip2');
    if (bzip2 !== undefined) {
      const child = spawn(bzip2, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => chunk(c));
      child.stderr.on('data', (c: Buffer) => {
        if (stderr.length < 4096) stderr += c.toString('utf8');
      });
      child.stdin.on('error', () => {}); // bzip2 stops reading on bad data: EPIPE here, the exit code says why
      raw.pipe(child.stdin);
      child.on('error', (e) => resolve(failure(`bzip2 could not be started (${e.message})`)));
      child.on('close', (code) => {
        raw.destroy();
        if (code === 0) return resolve(undefined);
        const first = stderr.split('\n').find((l) => l.trim() !== '') ?? `bzip2 exited with ${code}`;
        resolve(failure(`the bzip2 stream is corrupt or ends early (${first.trim()})`));
      });
      return;
    }
    void import('unbzip2-stream').then(({ default: unbzip2 }) => {
      const dec = unbzip2() as unknown as Readable;
      dec.on('data', (c: Buffer) => chunk(c));
      dec.on('end', () => resolve(undefined));
      dec.on('error', () => {
        raw.destroy();
        resolve(failure('the bzip2 stream is corrupt or ends early'));
      });
      raw.pipe(dec as unknown as NodeJS.WritableStream);
    }, reject);
  });
}
