// The bgpdump formatter without the corpus or the binary: the expected files in testdata/ are what Debian's
// bgpdump 1.6.2 printed (-m and -M) for the dumps sample.case.ts writes (every BGP4MP variant; bgpdump's
// quirks). src/bin/cli-mrt.test.ts compares with the binary itself and with upstream's test_expect.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../lib/prefix.js';
import { BgpdumpFormatter } from './bgpdump-format.js';
import { TextBuf, time2str } from './bgpdump-text.js';
import { MrtStreamReader } from './reader.js';
import { quirksDump, variantsDump } from './sample.case.js';

function format(bytes: Uint8Array, human: boolean, chunkSize?: number): string {
  const parts: string[] = [];
  const f = new BgpdumpFormatter((c) => parts.push(Buffer.from(c).toString('latin1')), { human, chunkSize });
  const reader = new MrtStreamReader();
  const sink = { record: (r: Parameters<BgpdumpFormatter['record']>[0]) => f.record(r), damage: () => {} };
  reader.push(bytes, sink);
  reader.end(sink);
  f.flush();
  return parts.join('');
}

const golden = (name: string) => readFileSync(join(import.meta.dirname, 'testdata', name), 'latin1');

describe('bgpdump formatter', () => {
  for (const [name, dump] of [
    ['variants', variantsDump()],
    ['quirks', quirksDump()],
  ] as const) {
    it(`${name}: -m as bgpdump 1.6.2 prints it`, () => {
      expect(format(dump, false)).toBe(golden(`${name}.bgpdump-m.txt`));
    });
    it(`${name}: -M as bgpdump 1.6.2 prints it`, () => {
      expect(format(dump, true)).toBe(golden(`${name}.bgpdump-M.txt`));
    });
  }

  it('hands out the same text whatever the chunk size', () => {
    const dump = variantsDump();
    expect(format(dump, false, 1)).toBe(format(dump, false));
  });

  it("formats IPv6 with bgpdump's fmt_ipv6 rules", () => {
    const v6 = (s: string) => {
      const t = new TextBuf();
      t.ipv6(parseAddress(s).addr, 0);
      return Buffer.from(t.b.subarray(0, t.p)).toString('latin1');
    };
    expect(v6('fe80::')).toBe('fe80::');
    expect(v6('2001:db8::1')).toBe('2001:db8::1');
    expect(v6('2001:7f8:30:0:2:1:0:8447')).toBe('2001:7f8:30::2:1:0:8447'); // one zero group compressed too
    expect(v6('0:0:0:0:0:ffff:c0a8:201')).toBe('::ffff:192.168.2.1');
    expect(v6('0:0:0:0:0:0:c0a8:102')).toBe('::192.168.1.2');
    expect(v6('::')).toBe('::');
    expect(v6('::1')).toBe('::1');
    expect(v6('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(v6('1:0:0:2:0:0:3:4')).toBe('1::2:0:0:3:4'); // first of equal runs
  });

  it('formats times as bgpdump time2str (UTC)', () => {
    expect(time2str(0)).toBe('01/01/70 00:00:00');
    expect(time2str(1445565678)).toBe('10/23/15 02:01:18');
  });

  it('writes numbers and addresses', () => {
    const t = new TextBuf(1);
    t.u32(0);
    t.ch(32);
    t.u32(4294967295);
    t.ch(32);
    t.i32(0x80000005);
    t.ch(32);
    t.u32pad(42, 6);
    t.ch(32);
    t.ipv4(0xc0000201);
    t.ch(32);
    t.ipv4(0);
    expect(Buffer.from(t.b.subarray(0, t.p)).toString()).toBe('0 4294967295 -2147483643 000042 192.0.2.1 0.0.0.0');
  });
});
