// Junos statements to the vendor-independent model: policy-options (policy-statements and their terms,
// prefix-lists, communities, as-paths and as-path-groups), protocols bgp (groups and neighbours with Junos
// inheritance: the most specific level that sets import/export/peer-as/... wins), and routing-options
// (autonomous-system, static, aggregate, generate). Anything else under those three is reported
// unsupported with its line; the rest of the configuration (interfaces, system, ...) is not routing policy.
import { type Family, tryParsePrefix } from '../../../lib/prefix.js';
import { junosAsPathRegex } from '../../match.js';
import {
  type Action,
  type CommunityMember,
  type Condition,
  emptyProgram,
  type Flow,
  type Neighbor,
  type Policy,
  type PolicyProgram,
  type PrefixRange,
  type Protocol,
  type SourceRef,
  type Term,
} from '../../model.js';
import { activeAt, parseJunosStatements, type Statement } from './statements.js';

const WELL_KNOWN: Record<string, string> = {
  'no-export': '65535:65281',
  'no-advertise': '65535:65282',
  'no-export-subconfed': '65535:65283',
  'llgr-stale': '65535:6',
  'no-llgr': '65535:7',
};

/** BGP statements that do not change what is exported (sessions, timers, authentication, logging). */
const BGP_NEUTRAL = new Set([
  'description',
  'hold-time',
  'authentication-key',
  'authentication-algorithm',
  'authentication-key-chain',
  'bfd-liveness-detection',
  'log-updown',
  'multipath',
  'local-address',
  'graceful-restart',
  'traceoptions',
  'tcp-mss',
  'passive',
  'damping',
  'mtu-discovery',
  'multihop',
  'out-delay',
  'preference',
  'precision-timers',
  'keep',
  'tcp-connect-retry-interval',
  'connect-retry-interval',
  'peer-as',
  'local-as',
  'type',
  'import',
  'export',
  'family',
  'cluster',
  'neighbor',
  'group',
  'apply-groups',
  'enforce-first-as',
  'local-preference',
  'mp',
  'vpn-apply-export',
  'drop-path-attributes',
  'hold-down',
  'ttl',
  'local-interface',
  'accept-remote-nexthop',
  'no-client-reflect',
]);

/** routing-options statements that do not change BGP exports (monitoring, RPKI sessions, FIB, timers). */
const ROUTING_OPTIONS_NEUTRAL = new Set([
  'rib',
  'options',
  'forwarding-table',
  'graceful-restart',
  'nonstop-routing',
  'bmp',
  'validation',
  'martians',
  'interface-routes',
  'srlg',
  'route-distinguisher-id',
  'rib-groups',
  'resolution',
  'ppm',
  'maximum-paths',
  'maximum-prefixes',
  'dynamic-tunnels',
]);

const PROTOCOL_NAMES: Record<string, Protocol> = {
  bgp: 'bgp',
  static: 'static',
  direct: 'direct',
  aggregate: 'aggregate',
  local: 'local',
  generate: 'aggregate',
};

interface Ctx {
  program: PolicyProgram;
  file: string;
  understood: Set<number>;
  unsupported: Set<number>;
  /** `from policy` references, checked once every policy is known. */
  policyRefs: { name: string; src: SourceRef }[];
}

function src(ctx: Ctx, s: Statement): SourceRef {
  return { file: ctx.file, line: s.line };
}

function unsupported(ctx: Ctx, s: Statement, what: string): void {
  ctx.unsupported.add(s.line);
  ctx.program.warnings.push({ file: ctx.file, line: s.line, kind: 'unsupported', message: what });
}

function ok(ctx: Ctx, s: Statement): void {
  ctx.understood.add(s.line);
}

function asn(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.replace(/^AS/i, ''));
  if (!m) return undefined;
  const v = m[2] === undefined ? Number(m[1]) : Number(m[1]) * 65536 + Number(m[2]);
  return v <= 0xffffffff ? v : undefined;
}

function communityMember(text: string): { member: CommunityMember; large: boolean } {
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
function collectPolicies(ctx: Ctx, all: Statement[]): void {
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

function formatRange(p: { family: Family; addr: Uint8Array; len: number }): string {
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

function collectSets(ctx: Ctx, all: Statement[]): void {
  const { program } = ctx;
  for (const s of all) {
    const w = s.words;
    if (w[0] !== 'policy-options' || w.length < 3) continue;
    if (!activeAt(s, 2)) {
      ok(ctx, s);
      continue;
    }
    const kind = w[1];
    const name = w[2]!;
    const at = src(ctx, s);
    if (kind === 'policy-statement') continue;
    if (kind === 'prefix-list') {
      const list = program.prefixLists.get(name) ?? { name, family: 'any' as const, entries: [], src: at };
      program.prefixLists.set(name, list);
      if (w.length === 3) {
        ok(ctx, s);
        continue;
      }
      const p = tryParsePrefix(w[3]!);
      if (w.length === 4 && p.ok) {
        list.entries.push({
          prefix: p.prefix,
          min: p.prefix.len,
          max: p.prefix.len,
          permit: true,
          seq: list.entries.length,
        });
        ok(ctx, s);
      } else if (w[3] === 'apply-path') {
        unsupported(ctx, s, `prefix-list ${name}: apply-path is not supported`);
      } else unsupported(ctx, s, `prefix-list ${name}: ${w.slice(3).join(' ')}`);
    } else if (kind === 'community') {
      const set = program.communities.get(name) ?? {
        name,
        large: false,
        entries: [{ permit: true, members: [], match: 'each' as const }],
        src: at,
      };
      program.communities.set(name, set);
      if (w[3] === 'members' && w[4] !== undefined) {
        const m = communityMember(w[4]);
        set.entries[0]!.members.push(m.member);
        if (m.large) set.large = true;
        ok(ctx, s);
      } else if (w.length === 3) ok(ctx, s);
      else unsupported(ctx, s, `community ${name}: ${w.slice(3).join(' ')} is not supported`);
    } else if (kind === 'as-path' || kind === 'as-path-group') {
      const key = kind === 'as-path' ? name : `group:${name}`;
      // as-path NAME "regex"; as-path-group G as-path NAME "regex"
      const text = kind === 'as-path' ? w[3] : w[3] === 'as-path' ? w[5] : undefined;
      if (text === undefined) {
        if (w.length <= 4) ok(ctx, s);
        else unsupported(ctx, s, `${kind} ${name}: ${w.slice(3).join(' ')}`);
        continue;
      }
      const set = program.asPaths.get(key) ?? { name: key, entries: [], src: at };
      program.asPaths.set(key, set);
      try {
        set.entries.push({ permit: true, regex: junosAsPathRegex(text), text });
        ok(ctx, s);
      } catch (e) {
        unsupported(ctx, s, `${kind} ${name} "${text}": ${(e as Error).message}`);
        set.entries.push({ permit: true, regex: /(?:)/, text });
      }
    } else unsupported(ctx, s, `policy-options ${kind} is not supported`);
  }
}

type Level = Map<string, Statement[]>;

function collectBgp(ctx: Ctx, all: Statement[]): void {
  const global: Level = new Map();
  const groups = new Map<
    string,
    { level: Level; line: number; neighbors: Map<string, { level: Level; line: number }> }
  >();
  const put = (l: Level, s: Statement, rest: string[]): void => {
    const k = rest[0] ?? '';
    const list = l.get(k) ?? [];
    list.push({ ...s, words: rest });
    l.set(k, list);
  };
  for (const s of all) {
    const w = s.words;
    if (w[0] !== 'protocols' || w[1] !== 'bgp') continue;
    if (!activeAt(s, 1)) {
      ok(ctx, s);
      continue;
    }
    if (w[2] === 'group' && w[3] !== undefined) {
      if (!activeAt(s, 3)) {
        ok(ctx, s);
        continue;
      }
      const g = groups.get(w[3]) ?? { level: new Map(), line: s.line, neighbors: new Map() };
      groups.set(w[3], g);
      if (w[4] === 'neighbor' && w[5] !== undefined) {
        if (!activeAt(s, 5)) {
          ok(ctx, s);
          continue;
        }
        const n = g.neighbors.get(w[5]) ?? { level: new Map(), line: s.line };
        g.neighbors.set(w[5], n);
        if (w.length > 6 && activeAt(s, 6)) put(n.level, s, w.slice(6));
      } else if (w.length > 4 && activeAt(s, 4)) put(g.level, s, w.slice(4));
      ok(ctx, s);
    } else if (w.length > 2 && activeAt(s, 2)) {
      put(global, s, w.slice(2));
      ok(ctx, s);
    } else ok(ctx, s);
  }
  const levels =
    (...ls: Level[]): ((key: string) => Statement[] | undefined) =>
    (key) => {
      for (const l of ls) {
        const v = l.get(key);
        if (v && v.length > 0) return v;
      }
      return undefined;
    };
  // Statements that may change what a neighbour receives but are not modelled: the neighbour's exports
  // cannot be proven.
  const checkNeutral = (l: Level): SourceRef[] => {
    const out: SourceRef[] = [];
    for (const [k, list] of l) {
      if (BGP_NEUTRAL.has(k)) continue;
      for (const s of list) {
        unsupported(ctx, s, `protocols bgp ${s.words.join(' ')} is not modelled`);
        out.push(src(ctx, s));
      }
    }
    return out;
  };
  const globalBad = checkNeutral(global);
  const { program } = ctx;
  for (const [gname, g] of groups) {
    const groupBad = checkNeutral(g.level);
    for (const [addr, n] of g.neighbors) {
      const bad = [...globalBad, ...groupBad, ...checkNeutral(n.level)];
      const get = levels(n.level, g.level, global);
      const peerAs = asn(get('peer-as')?.[0]?.words[1]);
      const localAs = asn(get('local-as')?.[0]?.words[1]) ?? program.localAs;
      const type = get('type')?.[0]?.words[1];
      const chain = (k: string): string[] => (get(k) ?? []).map((s) => s.words[1]!).filter((x) => x !== undefined);
      const families = (get('family') ?? [])
        .map((s) => (s.words[1] === 'inet' ? 4 : s.words[1] === 'inet6' ? 6 : undefined))
        .filter((f): f is Family => f !== undefined);
      const internal = type === 'internal';
      const at = { file: ctx.file, line: n.line };
      if (!internal && peerAs === undefined) {
        program.warnings.push({ ...at, kind: 'note', message: `neighbor ${addr} (group ${gname}) has no peer-as` });
      }
      const exp = chain('export');
      const imp = chain('import');
      for (const p of [...exp, ...imp]) {
        if (!program.policies.has(p))
          program.warnings.push({
            ...at,
            kind: 'undefined-reference',
            message: `policy ${p} (neighbor ${addr}) is not defined`,
          });
      }
      const nb: Neighbor = {
        address: addr,
        group: gname,
        peerAs: internal ? (localAs ?? 0) : (peerAs ?? 0),
        localAs: localAs ?? 0,
        internal,
        exportChain: { 4: exp, 6: exp },
        importChain: { 4: imp, 6: imp },
        families: families.length > 0 ? [...new Set(families)] : [addr.includes(':') ? 6 : 4],
        reflectorClient: get('cluster') !== undefined,
        ...(bad.length > 0 ? { unsupported: bad } : {}),
        src: at,
      };
      program.neighbors.push(nb);
    }
  }
}

function collectRoutingOptions(ctx: Ctx, all: Statement[]): void {
  const { program } = ctx;
  for (const s of all) {
    const w0 = s.words;
    if (w0[0] !== 'routing-options') continue;
    if (!activeAt(s, 1)) {
      ok(ctx, s);
      continue;
    }
    // `rib inet6.0 static ...` is the IPv6 table of the same instance.
    const w = w0[1] === 'rib' && /^inet6?\.0$/.test(w0[2] ?? '') ? ['routing-options', ...w0.slice(3)] : w0;
    const key = w[1];
    if (key === undefined || (w.length === 2 && key !== 'autonomous-system' && key !== 'router-id')) {
      ok(ctx, s); // a block header: `routing-options {`, `rib inet6.0 {`, `static {`
    } else if (key === 'autonomous-system') {
      program.localAs = asn(w[2]);
      ok(ctx, s);
    } else if (key === 'router-id') {
      program.routerId = w[2];
      ok(ctx, s);
    } else if (
      (key === 'static' || key === 'aggregate' || key === 'generate') &&
      w[2] === 'route' &&
      w[3] !== undefined
    ) {
      const p = tryParsePrefix(w[3]);
      if (!p.ok) {
        unsupported(ctx, s, `${key} route ${w[3]}: ${p.message}`);
        continue;
      }
      if (
        !program.localRoutes.some(
          (r) =>
            r.protocol === (key === 'static' ? 'static' : 'aggregate') &&
            formatRange(r.prefix) === formatRange(p.prefix),
        )
      ) {
        program.localRoutes.push({
          prefix: p.prefix,
          protocol: key === 'static' ? 'static' : 'aggregate',
          src: src(ctx, s),
        });
      }
      ok(ctx, s);
    } else if (key === 'static' || key === 'aggregate' || key === 'generate' || ROUTING_OPTIONS_NEUTRAL.has(key)) {
      ok(ctx, s);
    } else unsupported(ctx, s, `routing-options ${key} is not modelled`);
  }
}

/** Parse a Junos configuration (curly-brace or set form) into the model. */
export function parseJunos(text: string, file: string): PolicyProgram {
  const parsed = parseJunosStatements(text);
  const program = emptyProgram('junos', file);
  program.defaults = { chainEnd: 'bgp-default', ebgpRequiresPolicy: false, redistributed: ['bgp'], networks: [] };
  const ctx: Ctx = { program, file, understood: new Set(), unsupported: new Set(), policyRefs: [] };
  for (const p of parsed.problems) {
    program.warnings.push({ file, line: p.line, kind: 'unsupported', message: p.message });
    ctx.unsupported.add(p.line);
  }
  const all = parsed.statements;
  collectRoutingOptions(ctx, all);
  collectSets(ctx, all);
  collectPolicies(ctx, all);
  for (const r of ctx.policyRefs) {
    if (!program.policies.has(r.name))
      program.warnings.push({ ...r.src, kind: 'undefined-reference', message: `policy ${r.name} is not defined` });
  }
  collectBgp(ctx, all);
  for (const s of all) {
    if (s.words[0] === 'routing-instances' || s.words[0] === 'logical-systems') {
      if (!ctx.unsupported.has(s.line) && (s.words.includes('bgp') || s.words.includes('policy-options'))) {
        unsupported(ctx, s, `${s.words[0]} ${s.words[1]}: only the master instance is modelled`);
      }
    }
  }
  for (const l of ctx.unsupported) ctx.understood.delete(l);
  program.stats = { lines: parsed.lines, understood: ctx.understood.size, unsupported: ctx.unsupported.size };
  return program;
}
