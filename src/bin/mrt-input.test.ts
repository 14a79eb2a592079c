// Damaged compressed input, read by us and by bgpdump on the same bytes in the same run: a bz2 cut at
// 1 MiB, a gzip with its CRC zeroed, a gzip cut in half, and mrtparse's bird6_bgp with the type of its first
// record made unknown (byte 4 xor 0x04). Every record decompressed before the failure is kept, the failure
// is E_MRT_DECOMPRESS with its offset and our own words, and an unknown type is skipped by its length.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { commandMissing, corpusPath, describeIfAvailable } from '../testing/env.js';
import { dumpCommand } from './cli-mrt.js';

const updates = corpusPath('mrt', 'bgpdump', 'test_data', 'updates.et-header.2015.gz');
const small = corpusPath('mrt', 'bgpdump', 'test_data', 'updates.20070211.0141.gz');
const bird6 = corpusPath('mrt', 'mrtparse', 'samples', 'bird6_bgp');
const missing =
  commandMissing('bgpdump') ??
  commandMissing('bzip2') ??
  (updates && small && bird6 ? null : 'corpus mrt/bgpdump and mrt/mrtparse are absent');

async function ours(file: string): Promise<{ lines: number; damage: string[] }> {
  let lines = 0;
  const damage: string[] = [];
  await dumpCommand(
    file,
    { human: false, verbose: false },
    (c) => {
      for (const b of c) if (b === 10) lines++;
    },
    (l) => damage.push(l),
  );
  return { lines, damage };
}

function bgpdumpLines(file: string): number {
  let out: string;
  try {
    out = execFileSync('bgpdump', ['-m', file], {
      encoding: 'latin1',
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  return out.split('\n').length - 1;
}

describeIfAvailable('MRT input damaged inside its compression, against bgpdump', missing, () => {
  const dir = mkdtempSync(join(tmpdir(), 'failsmall-mrt-damaged-'));

  it('bz2 cut at 1 MiB: every complete bzip2 block is read, then E_MRT_DECOMPRESS', async () => {
    const raw = join(dir, 'updates.mrt');
    writeFileSync(raw, gunzipSync(readFileSync(updates!)));
    const bz = execFileSync('bzip2', ['-c', raw], { maxBuffer: 1 << 30 });
    const cut = join(dir, 'updates.cut.bz2');
    writeFileSync(cut, bz.subarray(0, 1 << 20));
    const theirs = bgpdumpLines(cut);
    const got = await ours(cut);
    expect(theirs).toBeGreaterThan(100_000);
    // bzip2 -dc drops its last partial 5,000-byte write on a truncated stream; libbz2 in bgpdump does not
    expect(got.lines).toBeGreaterThanOrEqual(Math.floor(theirs * 0.999));
    const dec = got.damage.find((d) => d.includes('E_MRT_DECOMPRESS'));
    expect(dec).toMatch(
      /^offset \d+: E_MRT_DECOMPRESS the bzip2 stream is corrupt or ends early .* after 1048576 compressed bytes/,
    );
    expect(got.damage.join('')).not.toMatch(/Cannot read|undefined|TypeError/);
  }, 60_000);

  it('gzip with its CRC zeroed: every record is read, then E_MRT_DECOMPRESS', async () => {
    const bytes = readFileSync(small!);
    const bad = Uint8Array.from(bytes);
    bad.fill(0, bad.length - 8, bad.length - 4);
    const file = join(dir, 'crc-zeroed.gz');
    writeFileSync(file, bad);
    const whole = bgpdumpLines(small!);
    const theirs = bgpdumpLines(file);
    const got = await ours(file);
    expect(got.lines).toBe(whole);
    expect(got.lines).toBeGreaterThanOrEqual(theirs);
    expect(got.damage).toEqual([
      expect.stringMatching(/^offset \d+: E_MRT_DECOMPRESS the gzip stream is corrupt \(bad data, header or CRC\)/),
    ]);
  }, 60_000);

  it('gzip cut in half: the same lines as bgpdump, then E_MRT_DECOMPRESS and the record cut', async () => {
    const bytes = readFileSync(small!);
    const file = join(dir, 'half.gz');
    writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
    const got = await ours(file);
    expect(got.lines).toBe(bgpdumpLines(file));
    expect(got.damage[0]).toMatch(/E_MRT_DECOMPRESS the gzip stream ends early \(truncated file\)/);
  }, 60_000);

  it('bird6_bgp with an unknown type in its first header: skipped by its length as bgpdump does', async () => {
    const bytes = Uint8Array.from(readFileSync(bird6!));
    bytes[4]! ^= 0x04;
    const file = join(dir, 'bird6_bgp.type-xor');
    writeFileSync(file, bytes);
    const theirs = bgpdumpLines(file);
    expect(theirs).toBe(43);
    const got = await ours(file);
    expect(got.lines).toBe(theirs);
    expect(got.damage).toEqual([expect.stringContaining('E_MRT_UNKNOWN_TYPE record type 1040')]);
  }, 60_000);
});
