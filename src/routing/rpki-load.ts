// Loaders for relying-party output: rpki-client JSON (current `aspas` layout and the older
// `provider_authorizations` one), Routinator json / jsonext, and the CSV family (Routinator csv,
// csvcompat, csvext; rpki-client csv). Pure: they take the file's text or bytes and return VRPs and
// ASPAs; reading (and gunzipping) files is the caller's job. A malformed entry fails the whole load with
// a code naming the entry: a relying-party file is all or nothing, and the store keeps its old data.
import { checkAsn, parseAsn } from '../lib/asn.js';
import { FailsmallError } from '../lib/errors.js';
import { type Prefix, parsePrefix } from '../lib/prefix.js';
import type { Aspa } from './aspa.js';
import { checkVrp, type Vrp } from './rov.js';

export type RpkiFormat = 'rpki-client-json' | 'routinator-json' | 'routinator-jsonext' | 'csv';

export interface RpkiData {
  vrps: Vrp[];
  aspas: Aspa[];
  format: RpkiFormat;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const toText = (input: string | Uint8Array): string => (typeof input === 'string' ? input : decoder.decode(input));

/** Parse any supported layout, told apart by content: JSON object or CSV with a header line. */
export function parseRpki(input: string | Uint8Array): RpkiData {
  const text = toText(input);
  const first = text.trimStart()[0];
  return first === '{' ? parseRpkiJson(text) : parseRpkiCsv(text);
}

function fail(code: string, message: string, details: Record<string, unknown>): never {
  throw new FailsmallError(code, message, details);
}

/** An AS number as rpki-client (number) or Routinator ("AS1234") writes it. */
function asnOf(v: unknown, where: string, code: string): number {
  try {
    if (typeof v === 'number') return checkAsn(v);
    if (typeof v === 'string') return parseAsn(v);
  } catch (e) {
    return fail(code, `${where}: ${(e as Error).message}`, { where, value: v });
  }
  return fail(code, `${where}: expected an AS number, got ${JSON.stringify(v)}`, { where, value: v });
}

function prefixOf(v: unknown, where: string, code: string): Prefix {
  if (typeof v !== 'string') return fail(code, `${where}: expected a prefix string`, { where, value: v });
  try {
    return parsePrefix(v);
  } catch (e) {
    const cause = e instanceof FailsmallError ? e.code : undefined;
    return fail(code, `${where}: ${(e as Error).message}`, { where, value: v, cause });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** rpki-client or Routinator JSON. */
export function parseRpkiJson(input: string | Uint8Array): RpkiData {
  let doc: unknown;
  try {
    doc = JSON.parse(toText(input));
  } catch (e) {
    return fail('E_RPKI_JSON', `not valid JSON: ${(e as Error).message}`, {});
  }
  if (!isObject(doc)) return fail('E_RPKI_FORMAT', 'expected a JSON object at the top level', {});
  if ('slurmVersion' in doc) {
    return fail('E_RPKI_FORMAT', 'this is a SLURM file (RFC 8416): give it as a SLURM overlay, not as RPKI data', {});
  }
  // Routinator leaves out empty lists, so an empty data set is just {"metadata": ...}.
  const known = ['roas', 'aspas', 'provider_authorizations', 'routerKeys', 'bgpsec_keys', 'metadata'];
  if (!known.some((k) => k in doc)) {
    return fail('E_RPKI_FORMAT', `not rpki-client or Routinator JSON: none of ${known.join(', ')} is present`, {
      members: Object.keys(doc),
    });
  }
  const roas = doc.roas ?? [];
  if (!Array.isArray(roas)) return fail('E_RPKI_FORMAT', '"roas" must be an array', {});
  let routinator = false;
  let ext = false;
  const vrps: Vrp[] = new Array(roas.length);
  for (let i = 0; i < roas.length; i++) {
    const r: unknown = roas[i];
    const where = `roas[${i}]`;
    if (!isObject(r)) return fail('E_RPKI_VRP', `${where}: expected an object`, { where });
    if (typeof r.asn === 'string') routinator = true;
    if ('source' in r) ext = true;
    const maxLength = r.maxLength;
    if (typeof maxLength !== 'number') {
      return fail('E_RPKI_VRP', `${where}: "maxLength" must be a number`, { where, value: maxLength });
    }
    const v: Vrp = {
      prefix: prefixOf(r.prefix, where, 'E_RPKI_VRP'),
      maxLength,
      asn: asnOf(r.asn, where, 'E_RPKI_VRP'),
      ...(typeof r.ta === 'string' ? { ta: r.ta } : {}),
    };
    vrps[i] = checkVrp(v, where);
  }
  const aspas: Aspa[] = [];
  if ('aspas' in doc) {
    if (!Array.isArray(doc.aspas)) return fail('E_RPKI_FORMAT', '"aspas" must be an array', {});
    doc.aspas.forEach((a: unknown, i: number) => {
      aspas.push(aspaOf(a, `aspas[${i}]`));
      if (isObject(a) && typeof a.customer === 'string') routinator = true;
      if (isObject(a) && 'source' in a) ext = true;
    });
  }
  if ('provider_authorizations' in doc) {
    // rpki-client 8.x: one list per address family. Draft-28 §5 verifies against the union (U-SPAS).
    const pa = doc.provider_authorizations;
    if (!isObject(pa)) return fail('E_RPKI_FORMAT', '"provider_authorizations" must be an object', {});
    for (const [afi, list] of Object.entries(pa)) {
      if (!Array.isArray(list)) return fail('E_RPKI_FORMAT', `"provider_authorizations.${afi}" must be an array`, {});
      list.forEach((a: unknown, i: number) => {
        aspas.push(aspaOf(a, `provider_authorizations.${afi}[${i}]`));
      });
    }
  }
  const format: RpkiFormat = routinator ? (ext ? 'routinator-jsonext' : 'routinator-json') : 'rpki-client-json';
  return { vrps, aspas, format };
}

/** One ASPA in any of the JSON layouts: {customer_asid, providers} (rpki-client) or {customer, providers} (Routinator). */
function aspaOf(a: unknown, where: string): Aspa {
  if (!isObject(a)) return fail('E_RPKI_ASPA', `${where}: expected an object`, { where });
  const c = a.customer_asid ?? a.customer;
  if (c === undefined) return fail('E_RPKI_ASPA', `${where}: no "customer_asid" or "customer"`, { where });
  const customer = asnOf(c, `${where}.customer`, 'E_RPKI_ASPA');
  if (!Array.isArray(a.providers)) return fail('E_RPKI_ASPA', `${where}: "providers" must be an array`, { where });
  const providers = a.providers.map((p: unknown, k: number) => {
    // Early rpki-client wrote providers as {asid, afi_limit}; the AFI limit is gone in draft-28 (U-SPAS).
    const v = isObject(p) ? (p.asid ?? p.provider_asid ?? p.asn) : p;
    return asnOf(v, `${where}.providers[${k}]`, 'E_RPKI_ASPA');
  });
  return { customer, providers };
}

/** Split one CSV line; fields may be double-quoted (csvcompat) with "" for a quote. */
function csvFields(line: string): string[] {
  if (!line.includes('"')) return line.split(',').map((f) => f.trim());
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += line[i++];
      }
      out.push(v);
      while (i < line.length && line[i] !== ',') i++;
      i++;
    } else {
      const end = line.indexOf(',', i);
      const stop = end < 0 ? line.length : end;
      out.push(line.slice(i, stop).trim());
      i = stop + 1;
    }
  }
  return out;
}

/**
 * The CSV family: a header line naming the columns (ASN, IP Prefix, Max Length, and optionally Trust
 * Anchor, URI, Not Before, Not After, Expires), then one VRP per line. Columns are found by header name.
 */
export function parseRpkiCsv(input: string | Uint8Array): RpkiData {
  const lines = toText(input).split(/\r?\n/);
  const header = csvFields(lines[0] ?? '').map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const iAsn = col('asn');
  const iPrefix = col('ip prefix');
  const iMax = col('max length');
  const iTa = col('trust anchor');
  if (iAsn < 0 || iPrefix < 0 || iMax < 0) {
    return fail('E_RPKI_FORMAT', 'not an RPKI CSV file: the header must name ASN, IP Prefix and Max Length', {
      header: lines[0] ?? '',
    });
  }
  const vrps: Vrp[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const f = csvFields(line);
    const where = `line ${n + 1}`;
    if (f.length < header.length) {
      return fail('E_RPKI_CSV', `${where}: ${f.length} fields, the header has ${header.length}`, { line: n + 1 });
    }
    const max = f[iMax]!;
    if (!/^\d{1,3}$/.test(max))
      return fail('E_RPKI_CSV', `${where}: Max Length "${max}" is not a number`, { line: n + 1 });
    const ta = iTa >= 0 ? f[iTa] : undefined;
    vrps.push(
      checkVrp(
        {
          asn: asnOf(f[iAsn], where, 'E_RPKI_CSV'),
          prefix: prefixOf(f[iPrefix], where, 'E_RPKI_CSV'),
          maxLength: Number(max),
          ...(ta !== undefined ? { ta } : {}),
        },
        where,
      ),
    );
  }
  return { vrps, aspas: [], format: 'csv' };
}
