// SLURM (RFC 8416): local filters and assertions over relying-party data, with the ASPA members of
// slurmVersion 2 (draft-ietf-sidrops-aspa-slurm; Routinator spells them customerAsn/providerAsns, the draft
// customerAsid/providers or providerSet — all are read). Parsing is strict: an unknown member, a wrong
// type, or a bad prefix is an error naming its JSON path, never silently ignored.
import { checkAsn } from '../lib/asn.js';
import { FailsmallError } from '../lib/errors.js';
import { formatPrefix, maxLen, type Prefix, parsePrefix, prefixContains, prefixOverlaps } from '../lib/prefix.js';
import type { Aspa } from './aspa.js';
import type { Vrp } from './rov.js';

export interface SlurmPrefixFilter {
  prefix?: Prefix;
  asn?: number;
  comment?: string;
}
export interface SlurmPrefixAssertion {
  prefix: Prefix;
  asn: number;
  maxPrefixLength?: number;
  comment?: string;
}
export interface SlurmBgpsecFilter {
  asn?: number;
  ski?: string;
  comment?: string;
}
export interface SlurmBgpsecAssertion {
  asn: number;
  ski: string;
  routerPublicKey: string;
  comment?: string;
}
export interface SlurmAspaFilter {
  customer: number;
  comment?: string;
}
export interface SlurmAspaAssertion {
  customer: number;
  providers: number[];
  comment?: string;
}

export interface Slurm {
  version: 1 | 2;
  prefixFilters: SlurmPrefixFilter[];
  bgpsecFilters: SlurmBgpsecFilter[];
  aspaFilters: SlurmAspaFilter[];
  prefixAssertions: SlurmPrefixAssertion[];
  bgpsecAssertions: SlurmBgpsecAssertion[];
  aspaAssertions: SlurmAspaAssertion[];
}

function bad(path: string, why: string): never {
  throw new FailsmallError('E_SLURM_SYNTAX', `SLURM ${path}: ${why}`, { path });
}

type Obj = Record<string, unknown>;

function object(v: unknown, path: string, allowed: readonly string[], required: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'expected an object');
  const o = v as Obj;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${path}.${k}`, 'unknown member');
  for (const k of required) if (!(k in o)) bad(path, `"${k}" is required`);
  return o;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) bad(path, 'expected an array');
  return v;
}

function asn(v: unknown, path: string): number {
  if (typeof v !== 'number') bad(path, 'expected an AS number (JSON number)');
  try {
    return checkAsn(v);
  } catch {
    return bad(path, `${v} is not an AS number (0-4294967295)`);
  }
}

function prefix(v: unknown, path: string): Prefix {
  if (typeof v !== 'string') bad(path, 'expected a prefix string');
  try {
    return parsePrefix(v);
  } catch (e) {
    return bad(path, (e as Error).message);
  }
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') bad(path, 'expected a string');
  return v;
}

const withComment = <T extends object>(o: Obj, path: string, value: T): T & { comment?: string } =>
  'comment' in o ? { ...value, comment: str(o.comment, `${path}.comment`) } : value;

/** Parse one SLURM file (RFC 8416 §3; slurmVersion 2 adds aspaFilters and aspaAssertions). */
export function parseSlurm(input: string | Uint8Array): Slurm {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return bad('$', `not valid JSON: ${(e as Error).message}`);
  }
  const top = object(
    doc,
    '$',
    ['slurmVersion', 'validationOutputFilters', 'locallyAddedAssertions'],
    ['slurmVersion', 'validationOutputFilters', 'locallyAddedAssertions'],
  );
  const version = top.slurmVersion;
  if (version !== 1 && version !== 2) bad('$.slurmVersion', `must be 1 or 2, got ${JSON.stringify(version)}`);
  const aspaMembers = version === 2;
  const f = object(
    top.validationOutputFilters,
    '$.validationOutputFilters',
    aspaMembers ? ['prefixFilters', 'bgpsecFilters', 'aspaFilters'] : ['prefixFilters', 'bgpsecFilters'],
    ['prefixFilters', 'bgpsecFilters'],
  );
  const a = object(
    top.locallyAddedAssertions,
    '$.locallyAddedAssertions',
    aspaMembers ? ['prefixAssertions', 'bgpsecAssertions', 'aspaAssertions'] : ['prefixAssertions', 'bgpsecAssertions'],
    ['prefixAssertions', 'bgpsecAssertions'],
  );
  const P = '$.validationOutputFilters';
  const A = '$.locallyAddedAssertions';

  const prefixFilters = array(f.prefixFilters, `${P}.prefixFilters`).map((x, i) => {
    const path = `${P}.prefixFilters[${i}]`;
    const o = object(x, path, ['prefix', 'asn', 'comment'], []);
    if (!('prefix' in o) && !('asn' in o)) bad(path, 'a prefix filter needs "prefix", "asn" or both (RFC 8416 §3.3.1)');
    const r: SlurmPrefixFilter = {};
    if ('prefix' in o) r.prefix = prefix(o.prefix, `${path}.prefix`);
    if ('asn' in o) r.asn = asn(o.asn, `${path}.asn`);
    return withComment(o, path, r);
  });
  const bgpsecFilters = array(f.bgpsecFilters, `${P}.bgpsecFilters`).map((x, i) => {
    const path = `${P}.bgpsecFilters[${i}]`;
    const o = object(x, path, ['asn', 'SKI', 'comment'], []);
    if (!('asn' in o) && !('SKI' in o)) bad(path, 'a BGPsec filter needs "asn", "SKI" or both (RFC 8416 §3.3.2)');
    const r: SlurmBgpsecFilter = {};
    if ('asn' in o) r.asn = asn(o.asn, `${path}.asn`);
    if ('SKI' in o) r.ski = str(o.SKI, `${path}.SKI`);
    return withComment(o, path, r);
  });
  const aspaFilters = array(f.aspaFilters ?? [], `${P}.aspaFilters`).map((x, i) => {
    const path = `${P}.aspaFilters[${i}]`;
    const o = object(x, path, ['customerAsid', 'customerAsn', 'comment'], []);
    const c = o.customerAsid ?? o.customerAsn;
    if (c === undefined) bad(path, '"customerAsid" is required');
    return withComment(o, path, { customer: asn(c, `${path}.customerAsid`) });
  });
  const prefixAssertions = array(a.prefixAssertions, `${A}.prefixAssertions`).map((x, i) => {
    const path = `${A}.prefixAssertions[${i}]`;
    const o = object(x, path, ['prefix', 'asn', 'maxPrefixLength', 'comment'], ['prefix', 'asn']);
    const r: SlurmPrefixAssertion = { prefix: prefix(o.prefix, `${path}.prefix`), asn: asn(o.asn, `${path}.asn`) };
    if ('maxPrefixLength' in o) {
      const m = o.maxPrefixLength;
      const max = maxLen(r.prefix.family);
      if (typeof m !== 'number' || !Number.isInteger(m) || m < r.prefix.len || m > max) {
        bad(`${path}.maxPrefixLength`, `must be an integer from ${r.prefix.len} to ${max}`);
      }
      r.maxPrefixLength = m;
    }
    return withComment(o, path, r);
  });
  const bgpsecAssertions = array(a.bgpsecAssertions, `${A}.bgpsecAssertions`).map((x, i) => {
    const path = `${A}.bgpsecAssertions[${i}]`;
    const o = object(x, path, ['asn', 'SKI', 'routerPublicKey', 'comment'], ['asn', 'SKI', 'routerPublicKey']);
    return withComment(o, path, {
      asn: asn(o.asn, `${path}.asn`),
      ski: str(o.SKI, `${path}.SKI`),
      routerPublicKey: str(o.routerPublicKey, `${path}.routerPublicKey`),
    });
  });
  const aspaAssertions = array(a.aspaAssertions ?? [], `${A}.aspaAssertions`).map((x, i) => {
    const path = `${A}.aspaAssertions[${i}]`;
    const o = object(
      x,
      path,
      ['customerAsid', 'customerAsn', 'providers', 'providerSet', 'providerAsns', 'comment'],
      [],
    );
    const c = o.customerAsid ?? o.customerAsn;
    if (c === undefined) bad(path, '"customerAsid" is required');
    const list = o.providers ?? o.providerSet ?? o.providerAsns;
    if (list === undefined) bad(path, '"providers" is required');
    const providers = array(list, `${path}.providers`).map((p, k) => asn(p, `${path}.providers[${k}]`));
    if (providers.length === 0) bad(`${path}.providers`, 'must list at least one provider (AS 0 for none)');
    return withComment(o, path, { customer: asn(c, `${path}.customerAsid`), providers });
  });
  return {
    version,
    prefixFilters,
    bgpsecFilters,
    aspaFilters,
    prefixAssertions,
    bgpsecAssertions,
    aspaAssertions,
  };
}

/**
 * RFC 8416 §4.2: several SLURM files must not overlap; if they do, none may be used. Two files overlap when
 * a prefix of one (filter or assertion) overlaps a prefix of the other, a BGPsec ASN is in both, or (ASPA)
 * a customer AS is filtered or asserted in both.
 */
export function checkSlurmOverlap(files: readonly Slurm[]): void {
  const prefixesOf = (s: Slurm) => [
    ...s.prefixFilters.flatMap((x) => (x.prefix ? [x.prefix] : [])),
    ...s.prefixAssertions.map((x) => x.prefix),
  ];
  const bgpsecOf = (s: Slurm) =>
    new Set([
      ...s.bgpsecFilters.flatMap((x) => (x.asn !== undefined ? [x.asn] : [])),
      ...s.bgpsecAssertions.map((x) => x.asn),
    ]);
  const customersOf = (s: Slurm) => new Set([...s.aspaFilters, ...s.aspaAssertions].map((x) => x.customer));
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const a = files[i]!;
      const b = files[j]!;
      for (const p of prefixesOf(a)) {
        for (const q of prefixesOf(b)) {
          if (prefixOverlaps(p, q)) {
            throw new FailsmallError(
              'E_SLURM_OVERLAP',
              `SLURM files ${i + 1} and ${j + 1} overlap: ${formatPrefix(p)} and ${formatPrefix(q)}`,
              { files: [i + 1, j + 1], prefixes: [formatPrefix(p), formatPrefix(q)] },
            );
          }
        }
      }
      const bb = bgpsecOf(b);
      for (const x of bgpsecOf(a)) {
        if (bb.has(x)) {
          throw new FailsmallError('E_SLURM_OVERLAP', `SLURM files ${i + 1} and ${j + 1} both name BGPsec AS${x}`, {
            files: [i + 1, j + 1],
            asn: x,
          });
        }
      }
      const cb = customersOf(b);
      for (const x of customersOf(a)) {
        if (cb.has(x)) {
          throw new FailsmallError(
            'E_SLURM_OVERLAP',
            `SLURM files ${i + 1} and ${j + 1} both name ASPA customer AS${x}`,
            {
              files: [i + 1, j + 1],
              asn: x,
            },
          );
        }
      }
    }
  }
}

function filtered(v: Vrp, f: SlurmPrefixFilter): boolean {
  if (f.asn !== undefined && v.asn !== f.asn) return false;
  // "encompassed by": the VRP's prefix is the filter's or more specific (RFC 8416 §3.3.1).
  if (f.prefix !== undefined && !prefixContains(f.prefix, v.prefix)) return false;
  return true;
}

/**
 * Apply SLURM files to relying-party data (RFC 8416 §4): the filters of every file remove VRPs and ASPAs,
 * then the assertions of every file are added (assertions are never filtered). An asserted ASPA for a
 * customer that also has RPKI ASPAs is united with them (draft-28 U-SPAS); filter the customer to replace.
 * BGPsec members are parsed and checked but not applied: failsmall holds no router keys.
 */
export function applySlurm(
  data: { vrps: readonly Vrp[]; aspas: readonly Aspa[] },
  files: readonly Slurm[],
): { vrps: Vrp[]; aspas: Aspa[] } {
  checkSlurmOverlap(files);
  const pf = files.flatMap((s) => s.prefixFilters);
  const af = new Set(files.flatMap((s) => s.aspaFilters.map((x) => x.customer)));
  const vrps = data.vrps.filter((v) => !pf.some((f) => filtered(v, f)));
  const aspas = data.aspas.filter((a) => !af.has(a.customer));
  for (const s of files) {
    for (const x of s.prefixAssertions) {
      vrps.push({ prefix: x.prefix, asn: x.asn, maxLength: x.maxPrefixLength ?? x.prefix.len, ta: 'slurm' });
    }
    for (const x of s.aspaAssertions) aspas.push({ customer: x.customer, providers: x.providers });
  }
  return { vrps, aspas };
}
