// Junos policy-statements to model policies: terms with their from/to/then (prefix-lists, route-filters,
// communities, as-paths, protocols, route types, `from policy`), the flow (`next term`, `next policy`, no
// terminal action), and `inactive:`/`deactivate` kept as facts so the verifier can name a deactivated match.
import { type Family, tryParsePrefix } from '../../../lib/prefix.js';
import type {
  Action,
  CommunityMember,
  Condition,
  Flow,
  Policy,
  PrefixRange,
  Protocol,
  SourceRef,
  Term,
} from '../../model.js';
import { asn, type Ctx, ok, src, unsupported } from './context.js';
import { activeAt, type Statement } from './statements.js';

const WELL_KNOWN: Record<string, string> = {
  'no-export': '65535:65281',
  'no-advertise': '65535:65282',
  'no-export-subconfed': '65535:65283',
  'llgr-stale': '65535:6',
  'no-llgr': '65535:7',
};

const PROTOCOL_NAMES: Record<string, Protocol> = {
  bgp: 'bgp',
  static: 'static',
  direct: 'direct',
  aggregate: 'aggregate',
  local: 'local',
  generate: 'aggregate',
};

export function communityMember(text: string): { member: CommunityMember; large: boolean } {
  if (WELL_KNOWN[text]) return { member: { literal: WELL_KNOWN[text]! }, large: false };
  if (/^\d+:\d+$/.test(text)) return { member: { literal: text }, large: false };
  const large = /^large:/.test(text);
  const body = text.replace(/^large:/, '');
  if (large && /^\d+:\d+:\d+$/.test(body)) return { member: { literal: body }, large: true };
  // Junos community members are regexes over "as:value"; a side that is only `*` means any value.
  const parts = body.split(':').map((p) => (p === '*' ? '\\d+' : p));
  return { member: { regex: new RegExp(`^(?:${parts.join(':')})$`), text }, large };
}

/** Turn the route-filter match type into a prefix range (or ranges, for `through`). */
function routeFilterRanges(words: string[]): PrefixRange[] | string {
  const p = tryParsePrefix(words[0] ?? '');
  if (!p.ok) return `route-filter ${words[0]}: ${p.message}`;
  const prefix = p.prefix;
  const max = prefix.family === 4 ? 32 : 128;
  const type = words[1] ?? 'exact';
  const len = (t: string | undefined): number | undefined => {
    const m = /^\/?(\d+)$/.exec(t ?? '');
    return m ? Number(m[1]) : undefined;
  };
  switch (type) {
    case 'exact':
      return [{ prefix, min: prefix.len, max: prefix.len }];
    case 'orlonger':
      return [{ prefix, min: prefix.len, max }];
    case 'longer':
      return [{ prefix, min: prefix.len + 1, max }];
    case 'upto': {
      const u = len(words[2]);
      return u === undefined ? `route-filter upto needs /N` : [{ prefix, min: prefix.len, max: u }];
    }
    case 'prefix-length-range': {
      const m = /^\/(\d+)-\/(\d+)$/.exec(words[2] ?? '');
      return m ? [{ prefix, min: Number(m[1]), max: Number(m[2]) }] : `prefix-length-range needs /a-/b`;
    }
    case 'through': {
      const q = tryParsePrefix(words[2] ?? '');
      if (!q.ok) return `route-filter through ${words[2]}: ${q.message}`;
      // Every prefix on the way from the first to the second: the second truncated to each length.
      const out: PrefixRange[] = [];
      for (let l = prefix.len; l <= q.prefix.len; l++) {
        const addr = q.prefix.addr.slice();
        for (let b = l; b < addr.length * 8; b++) addr[b >> 3]! &= ~(0x80 >> (b & 7));
        out.push({ prefix: { family: prefix.family, addr, len: l }, min: l, max: l });
      }
      return out;
    }
    default:
      return `route-filter match type "${type}" is not supported`;
  }
}

interface TermBuild {
  name: string;
  line: number;
  active: boolean;
  from: Statement[];
  to: Statement[];
  thenPart: Statement[];
  deactivated: Statement[];
}

/** Words after the term (or the policy, for its unnamed term): from/to/then and the rest. */
export function collectPolicies(ctx: Ctx, all: Statement[]): void {
  const builds = new Map<string, { line: number; terms: Map<string, TermBuild>; order: string[] }>();
  for (const s of all) {
    const w = s.words;
    if (w[0] !== 'policy-options' || w[1] !== 'policy-statement' || w.length < 3) continue;
    if (!activeAt(s, 2)) {
      ok(ctx, s);
      continue;
    }
    const name = w[2]!;
    let b = builds.get(name);
    if (!b) {
      b = { line: s.line, terms: new Map(), order: [] };
      builds.set(name, b);
    }
    let termName = '';
    let rest = w.slice(3);
    if (rest.length === 0) {
      ok(ctx, s); // the policy-statement's own header
      continue;
    }
    let termAt = 2;
    if (rest[0] === 'term') {
      termName = rest[1] ?? '';
      rest = rest.slice(2);
      termAt = 4;
    }
    let t = b.terms.get(termName);
    if (!t) {
      t = { name: termName, line: s.line, active: false, from: [], to: [], thenPart: [], deactivated: [] };
      b.terms.set(termName, t);
      b.order.push(termName);
    }
    if (!activeAt(s, termAt)) {
      ok(ctx, s);
      continue;
    }
    t.active = true;
    const part = rest[0];
    if (part === undefined) {
      ok(ctx, s);
      continue;
    }
    const body = { ...s, words: rest.slice(1) };
    if (s.inactiveAt !== undefined) {
      // The term stays active, but its from/then block (or one statement of it) is deactivated.
      if (part === 'from') t.deactivated.push(body);
      ok(ctx, s);
      continue;
    }
    if (part === 'from' || part === 'to' || part === 'then') {
      if (body.words.length === 0) {
        ok(ctx, s);
        continue;
      }
      (part === 'then' ? t.thenPart : t[part]).push(body);
    } else unsupported(ctx, s, `policy-statement ${name}: "${part}" is not a term part (from, to, then)`);
  }
  for (const [name, b] of builds) {
    // The unnamed term (from/then directly under the policy) is evaluated after the named terms.
    const order = [...b.order.filter((n) => n !== ''), ...b.order.filter((n) => n === '')];
    const terms: Term[] = [];
    order.forEach((tn, i) => {
      const tb = b.terms.get(tn)!;
      if (!tb.active) return;
      terms.push(buildTerm(ctx, name, tb, i));
    });
    const policy: Policy = { name, src: { file: ctx.file, line: b.line }, terms, atEnd: 'next-policy' };
    ctx.program.policies.set(name, policy);
  }
}

function buildTerm(ctx: Ctx, policy: string, tb: TermBuild, seq: number): Term {
  const conditions: Condition[] = [];
  const ranges: PrefixRange[] = [];
  const rangeTexts: string[] = [];
  let rangeSrc: SourceRef | undefined;
  const { program } = ctx;
  for (const s of tb.from) {
    const [key, ...args] = s.words;
    const text = s.words.join(' ');
    const at = src(ctx, s);
    const add = (c: Condition): void => {
      conditions.push(c);
      ok(ctx, s);
    };
    const bad = (why: string): void => {
      unsupported(ctx, s, `policy ${policy} term ${tb.name}: ${why}`);
      conditions.push({ kind: 'unsupported', reason: why, text, src: at });
    };
    switch (key) {
      case 'route-filter': {
        if (
          args.length > 3 ||
          (args.length === 3 && !['upto', 'prefix-length-range', 'through'].includes(args[1]!)) ||
          (args.length === 2 && !['exact', 'orlonger', 'longer'].includes(args[1]!))
        ) {
          bad(`route-filter with an action of its own is not supported`);
          break;
        }
        const r = routeFilterRanges(args);
        if (typeof r === 'string') bad(r);
        else {
          ranges.push(...r);
          rangeTexts.push(text);
          rangeSrc ??= at;
          ok(ctx, s);
        }
        break;
      }
      case 'prefix-list':
      case 'prefix-list-filter': {
        const list = program.prefixLists.get(args[0] ?? '');
        if (list === undefined) {
          program.warnings.push({
            ...at,
            kind: 'undefined-reference',
            message: `prefix-list ${args[0]} is not defined`,
          });
          add({ kind: 'undefined', reference: `prefix-list ${args[0]}`, text, src: at });
          break;
        }
        const mod = key === 'prefix-list' ? ['exact'] : args.slice(1);
        for (const e of list.entries) {
          const r = routeFilterRanges([`${formatRange(e.prefix)}`, ...mod]);
          if (typeof r === 'string') {
            bad(r);
            break;
          }
          ranges.push(...r);
        }
        rangeTexts.push(text);
        rangeSrc ??= at;
        ok(ctx, s);
        break;
      }
      case 'community':
        for (const n of args) if (!program.communities.has(n)) undefinedRef(ctx, at, `community ${n}`);
        add({ kind: 'community', names: args, text, src: at });
        break;
      case 'as-path':
      case 'as-path-group': {
        const names = args.map((n) => (key === 'as-path-group' ? `group:${n}` : n));
        for (let k = 0; k < names.length; k++)
          if (!program.asPaths.has(names[k]!)) undefinedRef(ctx, at, `${key} ${args[k]}`);
        add({ kind: 'as-path', names, text, src: at });
        break;
      }
      case 'protocol': {
        const ps = args.map((a) => PROTOCOL_NAMES[a]);
        if (ps.some((p) => p === undefined))
          bad(`protocol ${args.join(' ')} is not modelled (bgp, static, direct, aggregate, local)`);
        else add({ kind: 'protocol', protocols: ps as Protocol[], text, src: at });
        break;
      }
      case 'route-type':
        if (args[0] === 'internal' || args[0] === 'external')
          add({ kind: 'route-type', routeType: args[0], text, src: at });
        else bad(`route-type ${args[0]}`);
        break;
      case 'neighbor':
        add({ kind: 'neighbor', addresses: args, text, src: at });
        break;
      case 'next-hop':
        add({ kind: 'next-hop', addresses: args, text, src: at });
        break;
      case 'family':
        if (args[0] === 'inet' || args[0] === 'inet6')
          add({ kind: 'family', family: args[0] === 'inet' ? 4 : 6, text, src: at });
        else bad(`family ${args[0]} is not modelled`);
        break;
      case 'local-preference':
      case 'metric': {
        const v = Number(args[0]);
        if (!Number.isInteger(v)) bad(`${key} ${args.join(' ')}`);
        else add({ kind: key === 'metric' ? 'med' : 'local-pref', value: v, text, src: at });
        break;
      }
      case 'origin':
        if (args[0] === 'igp' || args[0] === 'egp' || args[0] === 'incomplete')
          add({ kind: 'origin', origin: args[0], text, src: at });
        else bad(`origin ${args[0]}`);
        break;
      case 'policy':
        if (args.some((a) => /[()&|!]/.test(a))) bad('policy expressions are not supported');
        else {
          for (const n of args) ctx.policyRefs.push({ name: n, src: at });
          add({ kind: 'policy', names: args, text, src: at });
        }
        break;
      default:
        bad(`from ${key} is not supported`);
    }
  }
  mergeLists(conditions);
  if (ranges.length > 0 || rangeTexts.length > 0) {
    conditions.push({ kind: 'route-filter', ranges, text: rangeTexts.join('; '), src: rangeSrc! });
  }
  for (const s of tb.to) {
    const [key, ...args] = s.words;
    const at = src(ctx, s);
    const text = `to ${s.words.join(' ')}`;
    if (key === 'neighbor') {
      conditions.push({ kind: 'to-neighbor', addresses: args, text, src: at });
      ok(ctx, s);
    } else if (key === 'protocol' && args.length === 1 && args[0] === 'bgp') {
      ok(ctx, s); // the verifier only evaluates BGP exports
    } else {
      unsupported(ctx, s, `policy ${policy} term ${tb.name}: to ${key} is not supported`);
      conditions.push({ kind: 'unsupported', reason: `to ${key}`, text, src: at });
    }
  }
  const { actions, flow } = buildThen(ctx, policy, tb);
  return {
    name: tb.name,
    seq,
    src: { file: ctx.file, line: tb.line },
    conditions,
    deactivated: tb.deactivated.map((s) => ({ text: s.words.join(' '), src: src(ctx, s) })),
    actions,
    flow,
  };
}

/**
 * Junos ORs the values of one match condition: `protocol [ bgp static ]`, or `community A` and
 * `community B` in the same from, are one condition with two values (the bracket list was expanded into
 * one statement per value when the text was read).
 */
function mergeLists(conditions: Condition[]): void {
  for (let i = 0; i < conditions.length; i++) {
    const a = conditions[i]!;
    for (let j = i + 1; j < conditions.length; j++) {
      const b = conditions[j]!;
      if (a.kind !== b.kind) continue;
      let merged = true;
      if (a.kind === 'protocol' && b.kind === 'protocol') a.protocols.push(...b.protocols);
      else if (
        (a.kind === 'neighbor' && b.kind === 'neighbor') ||
        (a.kind === 'to-neighbor' && b.kind === 'to-neighbor') ||
        (a.kind === 'next-hop' && b.kind === 'next-hop')
      )
        a.addresses.push(...b.addresses);
      else if (a.kind === 'community' && b.kind === 'community') a.names.push(...b.names);
      else if (
        a.kind === 'as-path' &&
        b.kind === 'as-path' &&
        a.text.startsWith('as-path-group') === b.text.startsWith('as-path-group')
      )
        a.names.push(...b.names);
      else merged = false;
      if (!merged) continue;
      a.text = `${a.text}; ${b.text}`;
      conditions.splice(j, 1);
      j--;
    }
  }
}

function undefinedRef(ctx: Ctx, at: SourceRef, what: string): void {
  ctx.program.warnings.push({ ...at, kind: 'undefined-reference', message: `${what} is not defined` });
}

export function formatRange(p: { family: Family; addr: Uint8Array; len: number }): string {
  if (p.family === 4) return `${[...p.addr].join('.')}/${p.len}`;
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((p.addr[i]! << 8) | p.addr[i + 1]!).toString(16));
  return `${parts.join(':')}/${p.len}`;
}

const THEN_NEUTRAL = new Set([
  'load-balance',
  'install-nexthop',
  'trace',
  'priority',
  'preference',
  'install-to-fib',
  'no-install-to-fib',
]);

function buildThen(ctx: Ctx, policy: string, tb: TermBuild): { actions: Action[]; flow: Flow } {
  const actions: Action[] = [];
  let flow: Flow = { kind: 'none' };
  for (const s of tb.thenPart) {
    const [key, ...args] = s.words;
    const text = s.words.join(' ');
    const at = src(ctx, s);
    const bad = (why: string): void => {
      unsupported(ctx, s, `policy ${policy} term ${tb.name}: ${why}`);
      actions.push({ kind: 'unsupported', reason: why, text, src: at });
    };
    ok(ctx, s);
    switch (key) {
      case 'accept':
        flow = { kind: 'accept' };
        break;
      case 'reject':
        flow = { kind: 'reject' };
        break;
      case 'next':
        if (args[0] === 'term') flow = { kind: 'next-term' };
        else if (args[0] === 'policy') flow = { kind: 'next-policy' };
        else bad(`next ${args[0]}`);
        break;
      case 'community': {
        const opWord = args[0];
        const op =
          opWord === 'add' || opWord === '+'
            ? 'add'
            : opWord === 'set' || opWord === '='
              ? 'set'
              : opWord === 'delete' || opWord === '-'
                ? 'delete'
                : undefined;
        if (op === undefined) {
          bad(`community ${opWord}`);
          break;
        }
        for (const n of args.slice(1)) if (!ctx.program.communities.has(n)) undefinedRef(ctx, at, `community ${n}`);
        actions.push({ kind: 'community', op, names: args.slice(1), text, src: at });
        break;
      }
      case 'local-preference':
      case 'metric': {
        const kind = key === 'metric' ? 'med' : 'local-pref';
        const op = args[0] === 'add' ? 'add' : args[0] === 'subtract' ? 'subtract' : 'set';
        const v = Number(op === 'set' ? args[0] : args[1]);
        if (!Number.isInteger(v) || v < 0) bad(`${key} ${args.join(' ')} is not supported`);
        else actions.push({ kind, op, value: v, text, src: at });
        break;
      }
      case 'as-path-prepend': {
        const asns = args
          .join(' ')
          .split(/\s+/)
          .map((a) => asn(a));
        if (asns.some((a) => a === undefined)) bad(`as-path-prepend ${args.join(' ')}`);
        else actions.push({ kind: 'prepend', asns: asns as number[], text, src: at });
        break;
      }
      case 'as-path-expand':
        if (args[0] === 'last-as' && args[1] === 'count' && Number.isInteger(Number(args[2]))) {
          actions.push({ kind: 'prepend-last-as', count: Number(args[2]), text, src: at });
        } else bad(`as-path-expand ${args.join(' ')}`);
        break;
      case 'next-hop':
        if (args[0] === 'discard' || args[0] === 'reject') bad(`next-hop ${args[0]}`);
        else actions.push({ kind: 'next-hop', value: args[0] ?? '', text, src: at });
        break;
      case 'origin':
        if (args[0] === 'igp' || args[0] === 'egp' || args[0] === 'incomplete')
          actions.push({ kind: 'origin', origin: args[0], text, src: at });
        else bad(`origin ${args[0]}`);
        break;
      default:
        if (!THEN_NEUTRAL.has(key ?? '')) bad(`then ${key} is not supported`);
    }
  }
  return { actions, flow };
}
