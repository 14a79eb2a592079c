// The announceable space (issue 10): one row per case the red team or the IANA registries name, and a
// property against an oracle of plain integer ranges (no prefix library).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePrefix } from '../lib/prefix.js';
import { announceRefusal, checkAnnounceSpace, DEFAULT_ANNOUNCE_SPACE, SPECIAL_PURPOSE } from './announce-space.js';

const CASES: [cidr: string, refused: RegExp | null][] = [
  ['8.8.8.0/24', null],
  ['1.1.1.0/24', null],
  ['45.10.0.0/16', null],
  ['0.0.0.0/0', /default route/],
  ['::/0', /default route/],
  ['10.1.0.0/16', /inside special-purpose space 10\.0\.0\.0\/8 \(private-use, RFC 1918\)/],
  ['192.0.2.0/24', /TEST-NET-1/],
  ['192.0.0.0/16', /covers special-purpose space 192\.0\.0\.0\/24/],
  ['198.18.20.0/24', /benchmarking/],
  ['100.64.0.0/10', /shared address space/],
  ['224.1.0.0/16', /multicast/],
  ['240.0.0.0/8', /reserved/],
  ['192.31.196.0/24', null], // AS112-v4: globally reachable
  ['192.88.99.0/24', /6to4 relay/],
  ['45.10.0.0/25', /longer than \/24/],
  ['44.0.0.0/7', /shorter than \/8/],
  ['2600::/19', null],
  ['2a00:1450::/32', null],
  ['2001:db8::/48', /documentation/],
  ['2001::/20', /covers special-purpose space 2001::\/23/],
  ['2001:3::/32', null], // AMT inside 2001::/23: globally reachable
  ['2001:4:112::/48', null], // AS112-v6
  ['2001:2::/48', /IETF protocol assignments/], // benchmarking, inside 2001::/23
  ['2002:c000::/24', /6to4/],
  ['3fff::/20', /documentation/],
  ['fd00::/32', /outside global unicast/],
  ['fe80::/32', /outside global unicast/],
  ['2600::/49', /longer than \/48/],
  ['2600::/12', /shorter than \/19/],
];

describe('announceable space', () => {
  it.each(CASES)('%s', (cidr, refused) => {
    const why = announceRefusal(parsePrefix(cidr));
    if (refused === null) expect(why).toBeNull();
    else expect(why).toMatch(refused);
  });

  it('lab space lets a lab announce special-purpose space, never a default route or a bad length', () => {
    const lab = { ...DEFAULT_ANNOUNCE_SPACE, labSpace: [parsePrefix('198.18.0.0/15')] };
    expect(announceRefusal(parsePrefix('198.18.20.0/24'), lab)).toBeNull();
    expect(announceRefusal(parsePrefix('10.0.0.0/24'), lab)).toMatch(/private-use/);
    expect(announceRefusal(parsePrefix('198.18.20.0/25'), lab)).toMatch(/longer/);
    expect(() => checkAnnounceSpace('cidr', parsePrefix('0.0.0.0/0'), lab)).toThrow(
      expect.objectContaining({ code: 'E_ADDR_NOT_ANNOUNCEABLE', message: 'cidr: 0.0.0.0/0 is a default route' }),
    );
  });

  it('IPv4: refused exactly when the oracle of integer ranges says so (property)', () => {
    const range = (cidr: string): [number, number] => {
      const [a, l] = cidr.split('/') as [string, string];
      const n = a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
      const size = 2 ** (32 - Number(l));
      return [n, n + size - 1];
    };
    const v4 = SPECIAL_PURPOSE.filter((e) => !e.cidr.includes(':'));
    const refused = v4.filter((e) => !e.reachable).map((e) => range(e.cidr));
    const islands = v4.filter((e) => e.reachable).map((e) => range(e.cidr));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }), (addr, len) => {
        const size = 2 ** (32 - len);
        const start = Math.floor(addr / size) * size;
        const end = start + size - 1;
        const cidr = `${[24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256).join('.')}/${len}`;
        const inIsland = islands.some(([s, e]) => s <= start && end <= e);
        const hitsSpecial = refused.some(([s, e]) => s <= end && start <= e) && !inIsland;
        const expectRefused = len === 0 || len > 24 || len < 8 || hitsSpecial;
        expect(announceRefusal(parsePrefix(cidr)) !== null).toBe(expectRefused);
      }),
      { numRuns: 3000 },
    );
  });
});
