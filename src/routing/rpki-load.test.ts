import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import { describeCorpus } from '../testing/env.js';
import { AspaTable } from './aspa.js';
import { VrpIndex } from './rov.js';
import { parseRpki, parseRpkiCsv, parseRpkiJson } from './rpki-load.js';

/** Matches a thrown FailsmallError with this code. */
const fails = (code: string) => expect.objectContaining({ name: 'FailsmallError', code });

describe('RPKI JSON loaders', () => {
  it('reads rpki-client JSON with the current aspas layout', () => {
    const d = parseRpki(
      JSON.stringify({
        metadata: { buildmachine: 'x' },
        roas: [{ asn: 64496, prefix: '192.0.2.0/24', maxLength: 24, ta: 'ripe', expires: 1 }],
        aspas: [{ customer_asid: 64496, expires: 1, providers: [64497, 64498] }],
      }),
    );
    expect(d.format).toBe('rpki-client-json');
    expect(d.vrps).toEqual([{ prefix: parsePrefix('192.0.2.0/24'), maxLength: 24, asn: 64496, ta: 'ripe' }]);
    expect(d.aspas).toEqual([{ customer: 64496, providers: [64497, 64498] }]);
  });

  it('reads the older provider_authorizations layout and unites the per-AFI lists (draft-28 U-SPAS)', () => {
    const d = parseRpkiJson(
      JSON.stringify({
        roas: [],
        provider_authorizations: {
          ipv4: [{ customer_asid: 513, expires: 1, providers: [0] }],
          ipv6: [{ customer_asid: 513, expires: 1, providers: [204694] }],
        },
      }),
    );
    expect(AspaTable.from(d.aspas).providers(513)).toEqual([0, 204694]);
  });

  it('reads Routinator json and jsonext ("AS1234" strings, source lists)', () => {
    const json = parseRpki(
      '{"roas":[{"asn":"AS1234","prefix":"12.34.56.0/24","maxLength":24,"ta":"N/A"}],"aspas":[{"customer":"AS1234","providers":["AS1","AS2"],"ta":"N/A"}]}',
    );
    expect(json.format).toBe('routinator-json');
    expect(json.aspas).toEqual([{ customer: 1234, providers: [1, 2] }]);
    const ext = parseRpki('{"roas":[{"asn":"AS1","prefix":"2001:db8::/32","maxLength":48,"source":[]}]}');
    expect(ext.format).toBe('routinator-jsonext');
    expect(ext.vrps[0]?.maxLength).toBe(48);
  });

  it('fails with a code naming the entry', () => {
    expect(() => parseRpki('{"roas": [')).toThrow(fails('E_RPKI_JSON'));
    expect(() => parseRpki('{"hello": 1}')).toThrow(fails('E_RPKI_FORMAT'));
    expect(() => parseRpki('{"slurmVersion": 1}')).toThrow(fails('E_RPKI_FORMAT'));
    expect(() => parseRpki('{"roas":[{"asn":1,"prefix":"192.0.2.1/24","maxLength":24}]}')).toThrow(fails('E_RPKI_VRP'));
    expect(() => parseRpki('{"roas":[{"asn":1,"prefix":"192.0.2.0/24","maxLength":16}]}')).toThrow(fails('E_RPKI_VRP'));
    expect(() => parseRpki('{"roas":[{"asn":"ASx","prefix":"192.0.2.0/24","maxLength":24}]}')).toThrow(
      fails('E_RPKI_VRP'),
    );
    expect(() => parseRpki('{"aspas":[{"customer_asid":1,"providers":[-5]}]}')).toThrow(fails('E_RPKI_ASPA'));
    expect(() => parseRpki('{"aspas":[{"providers":[5]}]}')).toThrow(fails('E_RPKI_ASPA'));
    try {
      parseRpki('{"roas":[{"asn":1,"prefix":"192.0.2.0/24","maxLength":24},{"asn":1,"prefix":"nope","maxLength":24}]}');
    } catch (e) {
      expect((e as Error).message).toMatch(/^roas\[1\]/);
    }
  });
});

describe('RPKI CSV loader', () => {
  it('reads csv, csvcompat (quoted) and csvext by header names', () => {
    const plain = parseRpkiCsv('ASN,IP Prefix,Max Length,Trust Anchor\nAS1234,12.34.56.0/24,24,N/A\n');
    const quoted = parseRpki(
      '"ASN","IP Prefix","Max Length","Trust Anchor"\r\n"AS1234","12.34.56.0/24","24","N/A"\r\n',
    );
    const ext = parseRpki(
      'URI,ASN,IP Prefix,Max Length,Not Before,Not After\nrsync://x,AS1234,12.34.56.0/24,24,N/A,N/A\n',
    );
    for (const d of [plain, quoted, ext]) {
      expect(d.vrps.map((v) => [v.asn, formatPrefix(v.prefix), v.maxLength])).toEqual([[1234, '12.34.56.0/24', 24]]);
    }
  });
  it('fails with E_RPKI_CSV naming the line, or E_RPKI_FORMAT for a foreign header', () => {
    expect(() => parseRpki('ASN,IP Prefix,Max Length\nAS1,10.0.0.0/8,x\n')).toThrow(fails('E_RPKI_CSV'));
    expect(() => parseRpki('ASN,IP Prefix,Max Length\nAS1,10.0.0.0/8\n')).toThrow(fails('E_RPKI_CSV'));
    expect(() => parseRpki('a,b,c\n1,2,3\n')).toThrow(fails('E_RPKI_FORMAT'));
    expect(() => parseRpki('ASN,IP Prefix,Max Length\nAS1,10.0.0.0/8,8\nAS1,10.0.0.1/8,8\n')).toThrow(/line 3/);
  });
});

describeCorpus('Routinator output samples', ['rpki', 'routinator', 'test', 'output'], (dir) => {
  // File names are three bits: ROAs present, router keys present, ASPAs present; each list has 2 entries.
  const files = readdirSync(dir).filter((f) => /^[01]{3}\.(json|jsonext|csv|csvcompat|csvext)$/.test(f));
  it('has every sample', () => expect(files.length).toBe(40));
  for (const f of files) {
    it(`reads ${f}`, () => {
      const [roas, , aspas] = [...f.slice(0, 3)].map((b) => b === '1');
      const d = parseRpki(readFileSync(join(dir, f)));
      expect(d.vrps.length).toBe(roas ? 2 : 0);
      const json = f.endsWith('json') || f.endsWith('jsonext');
      expect(d.aspas.length).toBe(json && aspas ? 2 : 0);
      if (roas) {
        expect(new VrpIndex(d.vrps).size).toBe(1);
        expect(new VrpIndex(d.vrps).validate(parsePrefix('12.34.56.0/24'), 1234)).toBe('valid');
      }
      if (json && aspas) expect(AspaTable.from(d.aspas).providers(1234)).toEqual([1, 2, 3, 4]);
    });
  }
});

describeCorpus(
  'rpki-client 8.4 output (424,223 VRPs, 6,647 ASPAs)',
  ['rpki', 'rpki-client', 'tests', 'inputs', 'outputs'],
  (dir) => {
    it('loads every VRP and ASPA, and validates real routes', () => {
      const d = parseRpki(gunzipSync(readFileSync(join(dir, 'json.gz'))));
      expect(d.format).toBe('rpki-client-json');
      expect(d.vrps.length).toBe(424223);
      const ix = new VrpIndex(d.vrps);
      expect(ix.size).toBe(424223); // metadata: uniquevrps 424223
      const aspas = AspaTable.from(d.aspas);
      expect(aspas.size).toBe(6647);
      // Spot checks from the file: the first ROAs, and customer 28's union of IPv4 and IPv6 providers.
      expect(ix.validate(parsePrefix('1.178.112.0/20'), 12975)).toBe('valid');
      expect(ix.validate(parsePrefix('1.178.112.0/20'), 19905)).toBe('valid');
      expect(ix.explain(parsePrefix('1.178.112.0/21'), 12975).reason).toBe('too-specific');
      expect(ix.explain(parsePrefix('1.178.112.0/20'), 64496).reason).toBe('wrong-origin');
      expect(aspas.providers(28)).toEqual([41881, 57485, 60637, 61036, 204096, 210051]);
    });
  },
);
