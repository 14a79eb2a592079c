import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPrefix, type Prefix as IpPrefix, prefix4, prefixContains } from '../lib/prefix.js';
import type { ServiceBinding } from './model.js';
import { SERVICES } from './model.js';
import { checkAnnounceable, effectiveBinding, parseCidr } from './validate.js';

const arbV4 = (minLen: number, maxLen: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: minLen, max: maxLen }))
    .map(([a, l]) => prefix4(a >>> 0, l));

function binding(p: IpPrefix, i: number): ServiceBinding {
  return {
    id: `b${i}`,
    prefix_id: 'p',
    account_id: 'a',
    cidr: formatPrefix(p),
    service_id: SERVICES.cdn.id,
    service_name: 'CDN',
    provisioning: { state: 'active' },
    created_at: '',
    modified_at: '',
  };
}

describe('parseCidr', () => {
  it('accepts every canonical prefix and returns it unchanged', () => {
    fc.assert(
      fc.property(arbV4(0, 32), (p) => {
        expect(formatPrefix(parseCidr('cidr', formatPrefix(p)))).toBe(formatPrefix(p));
      }),
    );
  });
  it('rejects host bits, naming the canonical form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 31 }), (a, len) => {
        const canonical = formatPrefix(prefix4(a >>> 0, len));
        const addr = canonical.split('/')[0] ?? '';
        const text = `${addr.replace(/\d+$/, (d) => String(Number(d) | 1))}/${len}`;
        fc.pre(text !== canonical);
        try {
          parseCidr('cidr', text);
          expect.unreachable(`${text} accepted`);
        } catch (e) {
          expect((e as { code: string }).code).toBe('E_ADDR_CIDR');
        }
      }),
    );
  });
  it('checks the announceable length (IPv4 /24, IPv6 /48)', () => {
    expect(() => checkAnnounceable('cidr', parseCidr('cidr', '192.0.2.0/25'))).toThrow(/longer than \/24/);
    expect(() => checkAnnounceable('cidr', parseCidr('cidr', '2001:db8::/49'))).toThrow(/longer than \/48/);
    checkAnnounceable('cidr', parseCidr('cidr', '2001:db8::/48'));
  });
});

describe('effectiveBinding', () => {
  it('is the most specific binding containing the address, like a brute-force search', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(arbV4(8, 28), { selector: formatPrefix, maxLength: 12 }),
        arbV4(32, 32),
        (prefixes, probe) => {
          const bindings = prefixes.map(binding);
          const containing = prefixes.filter((p) => prefixContains(p, probe));
          const best = containing.sort((x, y) => y.len - x.len)[0];
          expect(effectiveBinding(bindings, probe)?.cidr).toBe(best ? formatPrefix(best) : undefined);
        },
      ),
    );
  });
});
