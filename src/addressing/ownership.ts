// Proof that an account may have its prefix announced (issue 10: a customer token once created,
// validated and advertised 8.8.8.0/24 and 1.1.1.0/24; `validate` checked nothing). A prefix is proven
// by one of: an RPKI ROA in the configured VRPs authorising one of the account's ASNs (registered by an
// admin, never chosen by the customer) to originate it; an IRR route object from the configured file
// with such an origin; or an operator's recorded approval of its LOA. The proof is written with the
// prefix's validation and read by the snapshot compiler, which announces nothing without one.
import { formatPrefix, type Prefix as IpPrefix, prefixContains, tryParsePrefix } from '../lib/prefix.js';
import type { OwnershipMethod } from './model.js';

/** The configured RPKI data, as the ownership check needs it (src/routing's VrpIndex behind it). */
export interface RoaEvidence {
  /** The VRP that makes (prefix, asn) RPKI-valid, as text ("45.10.0.0/16-24 AS64600"), or null. */
  authorising(prefix: IpPrefix, asn: number): string | null;
}

/** One IRR route / route6 object. */
export interface IrrRoute {
  readonly prefix: IpPrefix;
  readonly origin: number;
  readonly source: string;
}

export interface OwnershipEvidence {
  readonly roas: RoaEvidence | null;
  readonly irr: readonly IrrRoute[];
}

export const NO_EVIDENCE: OwnershipEvidence = { roas: null, irr: [] };

/** A proof found in the evidence, before it is recorded. */
export interface FoundProof {
  method: Exclude<OwnershipMethod, 'loa'>;
  evidence: string;
}

/**
 * The first proof that `asn` (one of the account's registered ASNs) may originate `prefix`: a ROA, else
 * an IRR route object for the prefix or one covering it with that origin. Null when nothing proves it.
 */
export function findProof(
  e: OwnershipEvidence,
  prefix: IpPrefix,
  asn: number,
  accountAsns: readonly number[],
): FoundProof | null {
  if (!accountAsns.includes(asn)) return null;
  const roa = e.roas?.authorising(prefix, asn) ?? null;
  if (roa !== null) return { method: 'rpki', evidence: `ROA ${roa}` };
  for (const r of e.irr) {
    if (r.origin === asn && prefixContains(r.prefix, prefix))
      return { method: 'irr', evidence: `route ${formatPrefix(r.prefix)} origin AS${r.origin} (${r.source})` };
  }
  return null;
}

/**
 * Route objects of an RPSL text (an IRR database dump or a file of objects): `route:`/`route6:` with
 * their `origin:` and `source:`. Other objects and attributes are skipped; objects without a valid
 * prefix or origin are reported in `skipped` (by line) rather than guessed at.
 */
export function parseIrrRoutes(text: string): { routes: IrrRoute[]; skipped: number[] } {
  const routes: IrrRoute[] = [];
  const skipped: number[] = [];
  let cur: { line: number; prefix?: string; origin?: string; source?: string } | null = null;
  const flush = () => {
    if (cur?.prefix === undefined) {
      cur = null;
      return;
    }
    const p = tryParsePrefix(cur.prefix);
    const m = /^AS(\d{1,10})$/i.exec(cur.origin ?? '');
    const origin = m ? Number(m[1]) : Number.NaN;
    if (p.ok && Number.isInteger(origin) && origin > 0 && origin < 4294967295) {
      routes.push({ prefix: p.prefix, origin, source: cur.source ?? 'IRR' });
    } else skipped.push(cur.line);
    cur = null;
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') {
      flush();
      continue;
    }
    if (raw.startsWith('%') || raw.startsWith('#')) continue;
    const m = /^([A-Za-z0-9-]+):\s*(.*?)\s*(#.*)?$/.exec(raw);
    if (!m) continue; // a continuation line: no attribute the check needs spans lines
    const key = (m[1] as string).toLowerCase();
    const value = m[2] as string;
    if (key === 'route' || key === 'route6') {
      flush();
      cur = { line: i + 1, prefix: value };
    } else if (cur && key === 'origin') cur.origin = value;
    else if (cur && key === 'source') cur.source = value;
  }
  flush();
  return { routes, skipped };
}
