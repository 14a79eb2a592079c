// Junos statements to the vendor-independent model: policy-options (policy-statements and their terms,
// prefix-lists, communities, as-paths and as-path-groups), protocols bgp (groups and neighbours with Junos
// inheritance: the most specific level that sets import/export/peer-as/... wins), and routing-options
// (autonomous-system, static, aggregate, generate). Anything else under those three is reported
// unsupported with its line; the rest of the configuration (interfaces, system, ...) is not routing policy.
import { type Family, tryParsePrefix } from '../../../lib/prefix.js';
import { junosAsPathRegex } from '../../match.js';
import { emptyProgram, type Neighbor, type PolicyProgram, type SourceRef } from '../../model.js';
import { asn, type Ctx, ok, src, unsupported } from './context.js';
import { collectPolicies, communityMember, formatRange } from './policy-statements.js';
import { activeAt, parseJunosStatements, type Statement } from './statements.js';

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
