// AS paths as the routing layer sees them: segments structurally compatible with the BGP codec's
// AsPathSegment (src/wire/bgp/types.ts), so a decoded UPDATE's asPath can be handed over unchanged.
// Declared here read-only, so both the codec's mutable arrays and frozen test data fit.
import { parseAsn } from '../lib/asn.js';
import { FailsmallError } from '../lib/errors.js';

/** AS_PATH segment types (RFC 4271, RFC 5065). */
export const AS_SET = 1;
export const AS_SEQUENCE = 2;
export const AS_CONFED_SEQUENCE = 3;
export const AS_CONFED_SET = 4;

export type AsPathSegmentType = 1 | 2 | 3 | 4;

/** One segment: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET; ASNs as received. */
export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

export type AsPath = readonly AsPathSegment[];

/** A path of plain AS_SEQUENCE hops, most recently added (the neighbour) first. */
export function sequence(...asns: number[]): AsPath {
  return asns.length === 0 ? [] : [{ type: AS_SEQUENCE, asns }];
}

/** True when a segment that matters outside a confederation is an AS_SET. */
export function hasAsSet(path: AsPath): boolean {
  for (const s of path) if (s.type === AS_SET && s.asns.length > 0) return true;
  return false;
}

/**
 * The ASNs of the AS_SEQUENCE and AS_SET segments in received order (neighbour first). Confederation
 * segments are internal to a confederation (RFC 5065 §5: not counted in the path length) and are left out.
 */
export function flattenPath(path: AsPath): number[] {
  const out: number[] = [];
  for (const s of path) if (s.type === AS_SEQUENCE || s.type === AS_SET) for (const a of s.asns) out.push(a);
  return out;
}

/**
 * The origin AS of RFC 6811 §2: the last AS of the final AS_SEQUENCE segment. `null` ("NONE") when the
 * final segment is an AS_SET (such a route matches no VRP) and `undefined` when the path has no AS (a
 * locally originated route: the caller uses its own AS).
 */
export function originAsn(path: AsPath): number | null | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const s = path[i]!;
    if (s.asns.length === 0 || s.type === AS_CONFED_SEQUENCE || s.type === AS_CONFED_SET) continue;
    return s.type === AS_SET ? null : s.asns[s.asns.length - 1]!;
  }
  return undefined;
}

/** The path with consecutive duplicate ASNs removed (prepends collapsed); AS_SETs are kept as they are. */
export function collapsePrepends(path: AsPath): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  let last = -1;
  for (const s of path) {
    if (s.type !== AS_SEQUENCE) {
      out.push({ type: s.type, asns: [...s.asns] });
      last = -1;
      continue;
    }
    const asns: number[] = [];
    for (const a of s.asns) {
      if (a !== last) asns.push(a);
      last = a;
    }
    const prev = out[out.length - 1];
    if (prev && prev.type === AS_SEQUENCE) (prev.asns as number[]).push(...asns);
    else if (asns.length > 0) out.push({ type: AS_SEQUENCE, asns });
  }
  return out;
}

/**
 * Parse an AS path as people write it, neighbour first: "64496 64497 {64498,64499}". Braces make an
 * AS_SET, parentheses an AS_CONFED_SEQUENCE and square brackets an AS_CONFED_SET (bgpdump's and most
 * routers' notation); ASNs may be asplain, asdot or AS-prefixed; commas inside sets are optional.
 */
export function parseAsPath(text: string): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  const closers: Record<string, [string, AsPathSegmentType]> = {
    '{': ['}', AS_SET],
    '(': [')', AS_CONFED_SEQUENCE],
    '[': [']', AS_CONFED_SET],
  };
  const asnAt = (token: string): number => {
    try {
      return parseAsn(token);
    } catch (e) {
      throw new FailsmallError('E_ASPATH_SYNTAX', `AS path "${text}": ${(e as Error).message}`, { text, token });
    }
  };
  const tokens = text.match(/[{}()[\]]|[^\s,{}()[\]]+/g) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const group = closers[t];
    if (group) {
      const asns: number[] = [];
      let j = i + 1;
      while (j < tokens.length && tokens[j] !== group[0]) {
        if (tokens[j]! in closers || /[})\]]/.test(tokens[j]!)) break;
        asns.push(asnAt(tokens[j]!));
        j++;
      }
      if (tokens[j] !== group[0]) {
        throw new FailsmallError('E_ASPATH_SYNTAX', `AS path "${text}": "${t}" is not closed by "${group[0]}"`, {
          text,
        });
      }
      if (asns.length === 0)
        throw new FailsmallError('E_ASPATH_SYNTAX', `AS path "${text}": empty "${t}${group[0]}"`, { text });
      const prev = out[out.length - 1];
      if (group[1] === AS_CONFED_SEQUENCE && prev?.type === AS_CONFED_SEQUENCE) (prev.asns as number[]).push(...asns);
      else out.push({ type: group[1], asns });
      i = j;
      continue;
    }
    if (/[})\]]/.test(t)) throw new FailsmallError('E_ASPATH_SYNTAX', `AS path "${text}": unexpected "${t}"`, { text });
    const a = asnAt(t);
    const prev = out[out.length - 1];
    if (prev?.type === AS_SEQUENCE) (prev.asns as number[]).push(a);
    else out.push({ type: AS_SEQUENCE, asns: [a] });
  }
  return out;
}

/** The path in the notation parseAsPath reads: "64496 64497 {64498,64499}". */
export function formatAsPath(path: AsPath): string {
  return path
    .map((s) => {
      const a = s.asns.join(s.type === AS_SET || s.type === AS_CONFED_SET ? ',' : ' ');
      return s.type === AS_SET
        ? `{${a}}`
        : s.type === AS_CONFED_SEQUENCE
          ? `(${a})`
          : s.type === AS_CONFED_SET
            ? `[${a}]`
            : a;
    })
    .join(' ');
}
