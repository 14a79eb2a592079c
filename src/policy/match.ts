// The match primitives of the model: prefix ranges (Junos longest-match route filters, FRR ordered prefix
// lists), community sets (all-members, FRR standard and expanded lists) and AS-path regexes in both
// dialects. Vendor front ends compile their syntax into these; the evaluator calls them.
import type { Prefix } from '../lib/prefix.js';
import type { AsPathSet, CommunityMember, CommunitySet, PrefixList, PrefixRange } from './model.js';

/** True when the first `len` bits of the two addresses agree. */
function sameBits(a: Uint8Array, b: Uint8Array, len: number): boolean {
  const full = len >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rem = len & 7;
  if (rem === 0) return true;
  return ((a[full]! ^ b[full]!) & (0xff << (8 - rem)) & 0xff) === 0;
}

/** True when p lies inside r.prefix (any length). */
export function coveredBy(r: PrefixRange, p: Prefix): boolean {
  return r.prefix.family === p.family && p.len >= r.prefix.len && sameBits(r.prefix.addr, p.addr, r.prefix.len);
}

export function inRange(r: PrefixRange, p: Prefix): boolean {
  return p.len >= r.min && p.len <= r.max && coveredBy(r, p);
}

/**
 * Junos route-filter semantics: of the filters whose prefix covers the route, only those with the longest
 * prefix are considered, and the route matches when one of them accepts its length. A shorter filter never
 * rescues a route the longest one refused.
 */
export function routeFilterMatch(ranges: readonly PrefixRange[], p: Prefix): boolean {
  let best = -1;
  let ok = false;
  for (const r of ranges) {
    if (!coveredBy(r, p)) continue;
    const l = r.prefix.len;
    if (l > best) {
      best = l;
      ok = p.len >= r.min && p.len <= r.max;
    } else if (l === best && !ok) {
      ok = p.len >= r.min && p.len <= r.max;
    }
  }
  return ok;
}

/** FRR prefix-list semantics: the first entry that matches decides; no match (or another family) denies. */
export function prefixListMatch(list: PrefixList, p: Prefix): boolean {
  if (list.family !== 'any' && list.family !== p.family) return false;
  for (const e of list.entries) if (inRange(e, p)) return e.permit;
  return false;
}

function memberMatches(m: CommunityMember, value: string): boolean {
  return 'literal' in m ? m.literal === value : m.regex.test(value);
}

/** Whether a route with these community values matches the set (see CommunitySet). */
export function communitySetMatch(set: CommunitySet, values: readonly string[]): boolean {
  for (const e of set.entries) {
    let hit: boolean;
    if (e.match === 'string') {
      const s = values.join(' ');
      hit = e.members.some((m) => memberMatches(m, s));
    } else {
      hit = e.members.length > 0 && e.members.every((m) => values.some((v) => memberMatches(m, v)));
    }
    if (hit) return e.permit;
  }
  return false;
}

/** The values that `delete` of this set removes: any value one permitted member matches on its own. */
export function communitySetDeletes(set: CommunitySet, value: string): boolean {
  return set.entries.some((e) => e.permit && e.members.some((m) => memberMatches(m, value)));
}

let lastPath: readonly number[] | undefined;
let lastDialect: 'junos' | 'frr' | undefined;
let lastSubject = '';

/**
 * The subject string an AS-path regex of the dialect runs over. The last answer is kept: the verifier
 * evaluates one route (one path list) before and after and for several neighbours in a row. AS paths
 * are never changed in place (the evaluator assigns new lists), so the list's identity stands for it.
 */
export function asPathSubject(dialect: 'junos' | 'frr', path: readonly number[]): string {
  if (path === lastPath && dialect === lastDialect) return lastSubject;
  lastSubject = dialect === 'junos' ? path.map((a) => `${a} `).join('') : path.join(' ');
  lastPath = path;
  lastDialect = dialect;
  return lastSubject;
}

export function asPathSetMatch(set: AsPathSet, subject: string): boolean {
  for (const e of set.entries) if (e.regex.test(subject)) return e.permit;
  return false;
}

/**
 * FRR/Cisco AS-path regex to a JS RegExp over "AS AS AS": `_` matches a delimiter (start, end, space, or
 * a set/confed bracket); everything else is POSIX extended syntax, which JS reads the same for these uses.
 */
export function frrAsPathRegex(text: string): RegExp {
  return new RegExp(text.replace(/_/g, '(?:^|$|[ ,{}()])'));
}

/**
 * Junos AS-path regex to a JS RegExp over "AS AS AS " (every AS followed by a space). Terms are whole AS
 * numbers: `.` is any one AS, `64512-65534` a range of ASes, `*`, `+`, `?`, `{m,n}`, `|`, `( )` and `^ $`
 * as usual; the expression is implicitly anchored at both ends. Throws on a construct it cannot translate.
 */
export function junosAsPathRegex(text: string): RegExp {
  const t = text.trim();
  let out = '';
  let i = 0;
  while (i < t.length) {
    const c = t[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i;
      while (j < t.length && /[0-9]/.test(t[j]!)) j++;
      const a = Number(t.slice(i, j));
      if (t[j] === '-' && /[0-9]/.test(t[j + 1] ?? '')) {
        let k = j + 1;
        while (k < t.length && /[0-9]/.test(t[k]!)) k++;
        const b = Number(t.slice(j + 1, k));
        if (b < a || b - a > 4096) throw new Error(`AS range ${a}-${b} is too wide to translate`);
        const alts: string[] = [];
        for (let x = a; x <= b; x++) alts.push(String(x));
        out += `(?:(?:${alts.join('|')}) )`;
        i = k;
      } else {
        out += `(?:${a} )`;
        i = j;
      }
      continue;
    }
    if (c === '.') out += '(?:\\d+ )';
    else if ('*+?|()'.includes(c)) out += c;
    else if (c === '{') {
      const j = t.indexOf('}', i);
      if (j < 0) throw new Error('unbalanced {');
      out += t.slice(i, j + 1);
      i = j + 1;
      continue;
    } else if (c === '^' || c === '$') {
      // implicit anchors
    } else throw new Error(`"${c}" is not supported in a Junos AS-path regex`);
    i++;
  }
  return new RegExp(`^(?:${out})$`);
}
