import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import { describeCorpus } from '../testing/env.js';
import { AspaTable } from './aspa.js';
import { VrpIndex } from './rov.js';
import { RpkiStore } from './rpki-store.js';
import { applySlurm, checkSlurmOverlap, parseSlurm } from './slurm.js';

/** Matches a thrown FailsmallError with this code. */
const fails = (code: string) => expect.objectContaining({ name: 'FailsmallError', code });

const slurm = (filters: object, assertions: object, version = 1) =>
  JSON.stringify({
    slurmVersion: version,
    validationOutputFilters: { prefixFilters: [], bgpsecFilters: [], ...filters },
    locallyAddedAssertions: { prefixAssertions: [], bgpsecAssertions: [], ...assertions },
  });

const vrp = (prefix: string, maxLength: number, asn: number) => ({ prefix: parsePrefix(prefix), maxLength, asn });

describe('SLURM (RFC 8416)', () => {
  const data = {
    vrps: [
      vrp('192.0.2.0/24', 24, 64496),
      vrp('192.0.2.128/25', 25, 64511),
      vrp('198.51.100.0/24', 24, 64497),
      vrp('198.51.100.0/24', 24, 64499),
      vrp('203.0.113.0/24', 24, 64496),
    ],
    aspas: [
      { customer: 64496, providers: [64500] },
      { customer: 64497, providers: [64501] },
    ],
  };

  it('filters by prefix (encompassed), by ASN, and by both; then adds assertions', () => {
    const s = parseSlurm(
      slurm(
        {
          prefixFilters: [
            { prefix: '192.0.2.0/24', comment: 'all VRPs encompassed by prefix' },
            { asn: 64496 },
            { prefix: '198.51.100.0/24', asn: 64497 },
          ],
        },
        { prefixAssertions: [{ asn: 64496, prefix: '2001:DB8::/32', maxPrefixLength: 48 }] },
      ),
    );
    const out = applySlurm(data, [s]);
    expect(out.vrps.map((v) => `${formatPrefix(v.prefix)}-${v.maxLength}-${v.asn}`)).toEqual([
      '198.51.100.0/24-24-64499',
      '2001:db8::/32-48-64496',
    ]);
    expect(out.aspas).toEqual(data.aspas);
  });

  it('slurmVersion 2 filters and asserts ASPAs; an assertion unites with RPKI ASPAs of the customer', () => {
    const s = parseSlurm(
      slurm(
        { aspaFilters: [{ customerAsid: 64497 }] },
        {
          aspaAssertions: [
            { customerAsid: 64496, providers: [64502] },
            { customerAsn: 64510, providerAsns: [0] },
          ],
        },
        2,
      ),
    );
    const t = AspaTable.from(applySlurm(data, [s]).aspas);
    expect(t.providers(64497)).toBeUndefined();
    expect(t.providers(64496)).toEqual([64500, 64502]);
    expect(t.authorized(64510, 1)).toBe('not-provider+');
  });

  it('is strict: unknown members, wrong version, ASPA members in version 1, bad prefixes', () => {
    expect(() => parseSlurm('{')).toThrow(fails('E_SLURM_SYNTAX'));
    expect(() => parseSlurm(slurm({}, {}, 3))).toThrow(fails('E_SLURM_SYNTAX'));
    expect(() => parseSlurm(slurm({ aspaFilters: [] }, {}, 1))).toThrow(fails('E_SLURM_SYNTAX'));
    expect(() => parseSlurm(slurm({ prefixFilters: [{ comment: 'matches nothing?' }] }, {}))).toThrow(
      fails('E_SLURM_SYNTAX'),
    );
    expect(() => parseSlurm(slurm({ prefixFilters: [{ prefx: '10.0.0.0/8' }] }, {}))).toThrow(fails('E_SLURM_SYNTAX'));
    expect(() => parseSlurm(slurm({}, { prefixAssertions: [{ asn: 1, prefix: '10.0.0.1/8' }] }))).toThrow(
      fails('E_SLURM_SYNTAX'),
    );
    expect(() =>
      parseSlurm(slurm({}, { prefixAssertions: [{ asn: 1, prefix: '10.0.0.0/8', maxPrefixLength: 7 }] })),
    ).toThrow(/locallyAddedAssertions\.prefixAssertions\[0\]\.maxPrefixLength/);
    expect(() => parseSlurm(slurm({}, { aspaAssertions: [{ customerAsid: 1, providers: [] }] }, 2))).toThrow(
      fails('E_SLURM_SYNTAX'),
    );
  });

  it('rejects overlapping files (RFC 8416 §4.2)', () => {
    const a = parseSlurm(slurm({ prefixFilters: [{ prefix: '10.0.0.0/8' }] }, {}));
    const b = parseSlurm(slurm({}, { prefixAssertions: [{ asn: 1, prefix: '10.1.0.0/16' }] }));
    const c = parseSlurm(slurm({}, { prefixAssertions: [{ asn: 1, prefix: '11.0.0.0/16' }] }));
    expect(() => checkSlurmOverlap([a, b])).toThrow(fails('E_SLURM_OVERLAP'));
    expect(() => checkSlurmOverlap([a, c])).not.toThrow();
    const x = parseSlurm(slurm({ aspaFilters: [{ customerAsid: 5 }] }, {}, 2));
    const y = parseSlurm(slurm({}, { aspaAssertions: [{ customerAsid: 5, providers: [6] }] }, 2));
    expect(() => applySlurm(data, [x, y])).toThrow(fails('E_SLURM_OVERLAP'));
  });
});

describe('RPKI store', () => {
  const v1 = '{"roas":[{"asn":64496,"prefix":"192.0.2.0/24","maxLength":24}],"aspas":[]}';
  const v2 = 'ASN,IP Prefix,Max Length\nAS64497,192.0.2.0/24,24\n';
  const route = parsePrefix('192.0.2.0/24');

  it('reloads atomically: the new snapshot replaces the old one in one step', () => {
    const store = new RpkiStore();
    expect(store.validate(route, 64496)).toBe('not-found');
    const seen: number[] = [];
    store.onReload((s) => seen.push(s.serial));
    const first = store.reload({ rpki: [v1] });
    expect(first.ok).toBe(true);
    const held = store.snapshot;
    expect(store.validate(route, 64496)).toBe('valid');
    store.reload({ rpki: [v2] });
    expect(store.validate(route, 64496)).toBe('invalid');
    expect(store.validate(route, 64497)).toBe('valid');
    // A reader holding the earlier snapshot still sees consistent earlier data.
    expect(held.vrps.validate(route, 64496)).toBe('valid');
    expect(seen).toEqual([1, 2]);
  });

  it('a failed reload keeps serving the previous data and says why', () => {
    const store = new RpkiStore();
    store.reload({ rpki: [v1] });
    const before = store.snapshot;
    const bad = store.reload({ rpki: [v2, '{"roas":[{"asn":1,"prefix":"192.0.2.0/24","maxLength":40}]}'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('E_RPKI_RELOAD_FAILED');
      expect(bad.error.details?.cause).toBe('E_RPKI_VRP');
      expect(bad.kept).toBe(before);
    }
    expect(store.snapshot).toBe(before);
    expect(store.validate(route, 64496)).toBe('valid');
    const badSlurm = store.reload({ rpki: [v2], slurm: ['{"slurmVersion":1}'] });
    expect(badSlurm.ok).toBe(false);
    expect(store.snapshot.serial).toBe(1);
  });

  it('applies SLURM overlays on reload', () => {
    const store = new RpkiStore();
    const overlay = slurm(
      { prefixFilters: [{ asn: 64496 }] },
      { prefixAssertions: [{ asn: 64511, prefix: '192.0.2.0/24' }] },
    );
    const r = store.reload({ rpki: [v1], slurm: [overlay] });
    expect(r.ok && r.snapshot.inputVrps).toBe(1);
    expect(store.validate(route, 64496)).toBe('invalid');
    expect(store.validate(route, 64511)).toBe('valid');
  });
});

describeCorpus('Routinator SLURM samples', ['rpki', 'routinator', 'test'], (dir) => {
  it('parses slurm/full.json (RFC 8416 §3.5 example) and every slurm/slurm2 output', () => {
    const full = parseSlurm(readFileSync(join(dir, 'slurm', 'full.json')));
    expect(full.prefixFilters).toHaveLength(3);
    expect(full.prefixAssertions[1]).toMatchObject({ asn: 64496, maxPrefixLength: 48 });
    expect(full.bgpsecAssertions[0]?.ski).toBe('<some base64 SKI>');
    const out = join(dir, 'output');
    const files = readdirSync(out).filter((f) => /\.slurm2?$/.test(f));
    expect(files.length).toBe(16);
    for (const f of files) {
      const s = parseSlurm(readFileSync(join(out, f)));
      const [roas, keys, aspas] = [...f.slice(0, 3)].map((b) => b === '1');
      expect(s.prefixAssertions.length, f).toBe(roas ? 2 : 0);
      expect(s.bgpsecAssertions.length, f).toBe(keys ? 2 : 0);
      expect(s.aspaAssertions.length, f).toBe(aspas && f.endsWith('slurm2') ? 2 : 0);
      const ix = new VrpIndex(applySlurm({ vrps: [], aspas: [] }, [s]).vrps);
      expect(ix.size).toBe(roas ? 1 : 0);
    }
  });
});
