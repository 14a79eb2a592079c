// FRR configuration (frr.conf / bgpd.conf) to the vendor-independent model: ip/ipv6 prefix-lists (seq,
// ge/le), bgp community-lists and large-community-lists (standard, expanded, numbered), bgp as-path
// access-lists, route-maps (permit/deny, sequence, match, set, on-match next|goto, continue, call) and
// `router bgp` with neighbours, peer-groups, address-family blocks, route-map/prefix-list/filter-list
// in|out, local-role (RFC 9234) and `bgp ebgp-requires-policy`. A line FRR would take but the model does
// not know is reported unsupported with its line; blocks that are not routing policy are skipped.
import { type Family, type Prefix, tryParsePrefix } from '../../../lib/prefix.js';
import { parseRole } from '../../../routing/roles.js';
import { frrAsPathRegex } from '../../match.js';
import {
  type Action,
  type CommunityMember,
  type Condition,
  emptyProgram,
  type Neighbor,
  type Policy,
  type PolicyProgram,
  type Protocol,
  type SourceRef,
  type Term,
} from '../../model.js';
import { libcRegexDivergence } from './libc-regex.js';

const WELL_KNOWN: Record<string, string> = {
  'no-export': '65535:65281',
  'no-advertise': '65535:65282',
  'local-AS': '65535:65283',
  'no-peer': '65535:65284',
  blackhole: '65535:666',
  'graceful-shutdown': '65535:0',
  'accept-own': '65535:1',
  'llgr-stale': '65535:6',
  'no-llgr': '65535:7',
};

const SOURCE_PROTOCOLS: Record<string, Protocol> = {
  bgp: 'bgp',
  static: 'static',
  connected: 'direct',
  kernel: 'static',
};

/** Neighbour statements that do not change what is exported. */
const NEIGHBOR_NEUTRAL = new Set([
  'description',
  'update-source',
  'timers',
  'password',
  'bfd',
  'ebgp-multihop',
  'ttl-security',
  'shutdown',
  'capability',
  'soft-reconfiguration',
  'advertisement-interval',
  'interface',
  'port',
  'passive',
  'enforce-first-as',
  'solo',
  'send-community',
  'disable-connected-check',
  'strict-capability-match',
  'dont-capability-negotiate',
  'override-capability',
  'maximum-prefix',
  'allowas-in',
  'next-hop-self',
  'addpath-tx-all-paths',
  'addpath-rx-paths-limit',
  'graceful-restart',
  'graceful-restart-helper',
  'graceful-restart-disable',
  'extended-optional-parameters',
  'log-neighbor-changes',
  'weight',
  'attribute-unchanged',
  'sender-as-path-loop-detection',
  'aigp',
]);

/** `router bgp` statements that do not change what is exported. */
const BGP_NEUTRAL =
  /^(bgp (router-id|log-neighbor-changes|bestpath|deterministic-med|always-compare-med|graceful-restart|graceful-shutdown|default|network import-check|suppress-duplicates|reject-as-sets|cluster-id|fast-convergence|disable-ebgp-connected-route-check|suppress-fib-pending|minimum-holdtime|hard-administrative-reset|labeled-unicast|update-delay|max-med|coalesce-time|listen|confederation)|timers bgp|maximum-paths|distance|no bgp (default|network import-check|graceful-restart|log-neighbor-changes|suppress-duplicates|enforce-first-as|hard-administrative-reset|fast-convergence|reject-as-sets)|bgp route-reflector|table-map|coalesce-time|bmp|exit-address-family|exit)\b/;

interface NeighborBuild {
  name: string;
  line: number;
  isGroup: boolean;
  group?: string;
  remoteAs?: string;
  localAs?: number;
  localRole?: string;
  /** Per family: activated, route-map out/in, prefix-list out, filter-list out, reflector client. */
  af: Map<Family, { active?: boolean; out?: string; in?: string; plOut?: string; flOut?: string; rrClient?: boolean }>;
  unsupported: SourceRef[];
}

interface Ctx {
  program: PolicyProgram;
  file: string;
  understood: number;
  unsupported: number;
  /** As-path lists with an entry bgpd's regexec may read otherwise than POSIX (libc-regex.ts): why. */
  libcDivergent: Map<string, string>;
}

function asnOf(t: string | undefined): number | undefined {
  if (t === undefined || !/^\d+(\.\d+)?$/.test(t)) return undefined;
  const [a, b] = t.split('.');
  const v = b === undefined ? Number(a) : Number(a) * 65536 + Number(b);
  return v <= 0xffffffff ? v : undefined;
}

function communityValue(t: string): string {
  return WELL_KNOWN[t] ?? t;
}

/** Parse an FRR configuration into the model. */
export function parseFrr(text: string, file: string): PolicyProgram {
  const program = emptyProgram('frr', file);
  // FRR 8.4 defaults: eBGP needs an outbound policy; only `network` and `redistribute` put local routes in BGP.
  program.defaults = { chainEnd: 'reject', ebgpRequiresPolicy: true, redistributed: ['bgp'], networks: [] };
  const ctx: Ctx = { program, file, understood: 0, unsupported: 0, libcDivergent: new Map() };
  const neighbors = new Map<string, NeighborBuild>();
  const maps = new Map<string, { line: number; entries: Term[] }>();
  let block: 'none' | 'route-map' | 'bgp' | 'other' = 'none';
  let af: Family = 4;
  let afBlock = false;
  let term: Term | undefined;
  let defaultIpv4 = true;
  const lines = text.split('\n');
  let counted = 0;
  const warn = (
    line: number,
    message: string,
    kind: 'unsupported' | 'undefined-reference' | 'note' = 'unsupported',
  ): void => {
    program.warnings.push({ file, line, kind, message });
    if (kind === 'unsupported') ctx.unsupported++;
  };
  const nb = (name: string, line: number): NeighborBuild => {
    let n = neighbors.get(name);
    if (!n) {
      n = { name, line, isGroup: false, af: new Map(), unsupported: [] };
      neighbors.set(name, n);
    }
    return n;
  };
  const afOf = (n: NeighborBuild, f: Family) => {
    let a = n.af.get(f);
    if (!a) {
      a = {};
      n.af.set(f, a);
    }
    return a;
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    const t = raw.replace(/\s+$/, '');
    const s = t.trim();
    if (s === '' || s.startsWith('!') || s.startsWith('#')) continue;
    counted++;
    const w = s.split(/\s+/);
    const at: SourceRef = { file, line };
    const indented = /^\s/.test(raw);
    // A top-level keyword ends the current block (FRR writes `exit`, older files do not).
    if (
      !indented &&
      !/^(exit|end|exit-address-family|address-family|neighbor|network|redistribute|bgp|no|match|set|on-match|continue|call|description|timers|maximum-paths|distance|table-map|aggregate-address)\b/.test(
        s,
      )
    ) {
      block = 'none';
      term = undefined;
    }
    if (s === 'exit' || s === 'end') {
      if (afBlock) afBlock = false;
      else {
        block = 'none';
        term = undefined;
      }
      ctx.understood++;
      continue;
    }
    if (w[0] === 'route-map' && w.length >= 3) {
      const name = w[1]!;
      const permit = w[2] === 'permit';
      const seq = Number(w[3] ?? 10);
      if ((w[2] !== 'permit' && w[2] !== 'deny') || !Number.isInteger(seq)) {
        warn(line, `route-map ${s}: expected permit|deny SEQ`);
        block = 'other';
        continue;
      }
      const m = maps.get(name) ?? { line, entries: [] };
      maps.set(name, m);
      term = {
        name: `${permit ? 'permit' : 'deny'} ${seq}`,
        seq,
        src: at,
        conditions: [],
        deactivated: [],
        actions: [],
        flow: permit ? { kind: 'accept' } : { kind: 'reject' },
      };
      m.entries.push(term);
      block = 'route-map';
      ctx.understood++;
      continue;
    }
    if (block === 'route-map' && term) {
      if (routeMapLine(ctx, term, w, s, at)) ctx.understood++;
      continue;
    }
    if ((w[0] === 'ip' || w[0] === 'ipv6') && w[1] === 'prefix-list') {
      if (prefixListLine(ctx, w, at)) ctx.understood++;
      continue;
    }
    if (
      w[0] === 'bgp' &&
      (w[1] === 'community-list' || w[1] === 'large-community-list' || w[1] === 'extcommunity-list')
    ) {
      if (communityListLine(ctx, w, at)) ctx.understood++;
      continue;
    }
    if (w[0] === 'bgp' && w[1] === 'as-path' && w[2] === 'access-list') {
      if (asPathLine(ctx, w, at)) ctx.understood++;
      continue;
    }
    if (w[0] === 'router' && w[1] === 'bgp') {
      if (w.length > 3 && w[3] === 'vrf') {
        warn(line, `router bgp ${w[2]} vrf ${w[4]}: only the default VRF is modelled`);
        block = 'other';
        continue;
      }
      program.localAs = asnOf(w[2]);
      block = 'bgp';
      af = 4;
      afBlock = false;
      ctx.understood++;
      continue;
    }
    if (block !== 'bgp') {
      // interface, router ospf, line vty, log ...: not routing policy.
      if (!indented) block = w[0] === 'router' || w[0] === 'interface' || w[0] === 'line' ? 'other' : block;
      continue;
    }
    // ---- inside router bgp ----
    if (w[0] === 'address-family') {
      const f = w[1] === 'ipv4' ? 4 : w[1] === 'ipv6' ? 6 : undefined;
      if (f === undefined || (w[2] !== undefined && w[2] !== 'unicast')) {
        warn(line, `address-family ${w.slice(1).join(' ')}: only ipv4/ipv6 unicast are modelled`, 'note');
        af = 0 as Family;
      } else af = f;
      afBlock = true;
      ctx.understood++;
      continue;
    }
    if (af === (0 as Family)) continue;
    if (s === 'no bgp ebgp-requires-policy' || s === 'bgp ebgp-requires-policy') {
      program.defaults.ebgpRequiresPolicy = !s.startsWith('no');
      ctx.understood++;
      continue;
    }
    if (s === 'no bgp default ipv4-unicast') {
      defaultIpv4 = false;
      ctx.understood++;
      continue;
    }
    if (w[0] === 'bgp' && w[1] === 'router-id') program.routerId = w[2];
    if (w[0] === 'network') {
      const p = tryParsePrefix(w[1] ?? '');
      if (!p.ok) warn(line, `network ${w[1]}: ${p.message}`);
      else if (w.length > 2) warn(line, `network ${w[1]} ${w.slice(2).join(' ')}: options are not modelled`);
      else {
        program.defaults.networks.push(p.prefix);
        ctx.understood++;
      }
      continue;
    }
    if (w[0] === 'redistribute') {
      const p = SOURCE_PROTOCOLS[w[1] ?? ''];
      if (p === undefined || w.length > 2) warn(line, `redistribute ${w.slice(1).join(' ')} is not modelled`);
      else {
        if (!program.defaults.redistributed.includes(p)) program.defaults.redistributed.push(p);
        ctx.understood++;
      }
      continue;
    }
    if (w[0] === 'neighbor' && w[1] !== undefined) {
      const n = nb(w[1], line);
      const key = w[2];
      const a = afOf(n, af);
      ctx.understood++;
      if (key === 'peer-group') {
        if (w[3] === undefined) n.isGroup = true;
        else n.group = w[3];
      } else if (key === 'remote-as') n.remoteAs = w[3];
      else if (key === 'local-as') n.localAs = asnOf(w[3]);
      else if (key === 'local-role') {
        try {
          n.localRole = parseRole(w[3] === 'rs-server' ? 'rs' : (w[3] ?? ''));
        } catch {
          ctx.understood--;
          warn(line, `local-role ${w[3]} is not a role`);
        }
      } else if (key === 'activate') a.active = true;
      else if (key === 'route-map' && (w[4] === 'out' || w[4] === 'in')) a[w[4]] = w[3];
      else if (key === 'prefix-list' && w[4] === 'out') a.plOut = w[3];
      else if (key === 'filter-list' && w[4] === 'out') a.flOut = w[3];
      else if (key === 'route-reflector-client') a.rrClient = true;
      else if ((key === 'prefix-list' || key === 'filter-list') && w[4] === 'in') {
        // inbound filters shape the RIB the verifier is given; they do not change exports
      } else if (key !== undefined && NEIGHBOR_NEUTRAL.has(key)) {
        // no effect on exports
      } else {
        ctx.understood--;
        warn(line, `neighbor ${w[1]} ${w.slice(2).join(' ')} is not modelled`);
        n.unsupported.push(at);
      }
      continue;
    }
    if (s.startsWith('no neighbor ') && w[3] === 'activate') {
      afOf(nb(w[2]!, line), af).active = false;
      ctx.understood++;
      continue;
    }
    if (BGP_NEUTRAL.test(s)) {
      ctx.understood++;
      continue;
    }
    warn(line, `router bgp: "${s}" is not modelled`);
  }
  for (const [name, m] of maps) {
    m.entries.sort((a, b) => a.seq - b.seq);
    const policy: Policy = { name, src: { file, line: m.line }, terms: m.entries, atEnd: 'reject' };
    program.policies.set(name, policy);
  }
  resolveNeighbors(ctx, neighbors, defaultIpv4);
  checkReferences(ctx);
  program.stats = { lines: counted, understood: ctx.understood, unsupported: ctx.unsupported };
  return program;
}

function resolveNeighbors(ctx: Ctx, neighbors: Map<string, NeighborBuild>, defaultIpv4: boolean): void {
  const { program } = ctx;
  for (const n of neighbors.values()) {
    if (n.isGroup) continue;
    const g = n.group === undefined ? undefined : neighbors.get(n.group);
    const pick = <T>(f: (x: NeighborBuild) => T | undefined): T | undefined => f(n) ?? (g ? f(g) : undefined);
    const remote = pick((x) => x.remoteAs);
    const localAs = pick((x) => x.localAs) ?? program.localAs ?? 0;
    const peerAs = remote === 'internal' ? localAs : remote === 'external' ? 0 : (asnOf(remote) ?? 0);
    const internal = remote === 'internal' || (remote !== 'external' && peerAs === localAs);
    const exportChain = { 4: [] as string[], 6: [] as string[] };
    const importChain = { 4: [] as string[], 6: [] as string[] };
    const families: Family[] = [];
    const filters: Record<number, { plOut?: string; flOut?: string }> = {};
    let rr = false;
    for (const f of [4, 6] as Family[]) {
      const mine = n.af.get(f) ?? {};
      const grp = g?.af.get(f) ?? {};
      const active = mine.active ?? grp.active ?? (f === 4 && defaultIpv4);
      if (!active) continue;
      families.push(f);
      const out = mine.out ?? grp.out;
      const inn = mine.in ?? grp.in;
      if (out !== undefined) exportChain[f] = [out];
      if (inn !== undefined) importChain[f] = [inn];
      filters[f] = { plOut: mine.plOut ?? grp.plOut, flOut: mine.flOut ?? grp.flOut };
      rr ||= (mine.rrClient ?? grp.rrClient) === true;
    }
    const role = pick((x) => x.localRole);
    const neighbor: Neighbor = {
      address: n.name,
      ...(n.group !== undefined ? { group: n.group } : {}),
      peerAs,
      localAs,
      internal,
      exportChain,
      importChain,
      families,
      reflectorClient: rr,
      src: { file: ctx.file, line: n.line },
      ...(role !== undefined ? { localRole: role as Neighbor['localRole'] & string } : {}),
    };
    // An outbound prefix-list or filter-list runs before the route-map: model them as a policy in front.
    for (const f of families) {
      const fl = filters[f]!;
      if (fl.plOut === undefined && fl.flOut === undefined) continue;
      const name = `(filters ${n.name} ipv${f})`;
      const conditions: Condition[] = [];
      if (fl.plOut !== undefined)
        conditions.push({
          kind: 'prefix-list',
          name: `${f === 4 ? 'ip' : 'ipv6'}:${fl.plOut}`,
          text: `prefix-list ${fl.plOut} out`,
          src: neighbor.src,
        });
      if (fl.flOut !== undefined)
        conditions.push({ kind: 'as-path', names: [fl.flOut], text: `filter-list ${fl.flOut} out`, src: neighbor.src });
      const term: Term = {
        name: 'out filters',
        seq: 0,
        src: neighbor.src,
        conditions,
        deactivated: [],
        actions:
          exportChain[f].length > 0
            ? [
                {
                  kind: 'call',
                  policy: exportChain[f][0]!,
                  text: `route-map ${exportChain[f][0]} out`,
                  src: neighbor.src,
                },
              ]
            : [],
        flow: { kind: 'accept' },
      };
      program.policies.set(name, { name, src: neighbor.src, terms: [term], atEnd: 'reject' });
      exportChain[f] = [name];
    }
    if (n.unsupported.length > 0) neighbor.unsupported = n.unsupported;
    program.neighbors.push(neighbor);
  }
}

function checkReferences(ctx: Ctx): void {
  const { program } = ctx;
  const undef = (src: SourceRef, what: string): void => {
    program.warnings.push({ ...src, kind: 'undefined-reference', message: `${what} is not defined` });
  };
  for (const p of program.policies.values()) {
    for (const t of p.terms) {
      t.conditions = t.conditions.map((c): Condition => {
        const missing =
          c.kind === 'prefix-list' && !program.prefixLists.has(c.name)
            ? `prefix-list ${c.name}`
            : (c.kind === 'community' || c.kind === 'as-path') &&
                c.names.some((n) => !(c.kind === 'community' ? program.communities : program.asPaths).has(n))
              ? `${c.kind} ${c.names.join(' ')}`
              : undefined;
        if (missing === undefined) return c;
        undef(c.src, missing);
        return { kind: 'undefined', reference: missing, text: c.text, src: c.src };
      });
      // A match through an as-path list bgpd may read otherwise: uncertain wherever it is evaluated.
      t.conditions = t.conditions.flatMap((c): Condition[] => {
        const why = c.kind === 'as-path' ? c.names.flatMap((n) => ctx.libcDivergent.get(n) ?? []) : [];
        return [...why.map((reason): Condition => ({ kind: 'unsupported', reason, text: c.text, src: c.src })), c];
      });
      for (const a of t.actions) {
        if (a.kind === 'call' && !program.policies.has(a.policy)) undef(a.src, `route-map ${a.policy}`);
        if (a.kind === 'community' && a.names.some((n) => !program.communities.has(n)))
          undef(a.src, `community-list ${a.names.join(' ')}`);
      }
    }
  }
  for (const n of program.neighbors) {
    for (const f of n.families)
      for (const m of n.exportChain[f])
        if (!program.policies.has(m)) undef(n.src, `route-map ${m} (neighbor ${n.address} out)`);
  }
}

function prefixListLine(ctx: Ctx, w: string[], at: SourceRef): boolean {
  const { program } = ctx;
  const family: Family = w[0] === 'ip' ? 4 : 6;
  const name = w[2]!;
  let k = 3;
  const listKey = `${family === 4 ? 'ip' : 'ipv6'}:${name}`;
  const list = program.prefixLists.get(listKey) ?? { name, family, entries: [], src: at };
  program.prefixLists.set(listKey, list);
  if (w[k] === 'description') return true;
  if (w[k] === 'seq-number') return true;
  let seq = (list.entries.at(-1)?.seq ?? 0) + 5;
  if (w[k] === 'seq') {
    seq = Number(w[k + 1]);
    k += 2;
  }
  const action = w[k];
  if (action !== 'permit' && action !== 'deny') {
    ctx.program.warnings.push({ ...at, kind: 'unsupported', message: `prefix-list ${name}: ${w.slice(3).join(' ')}` });
    ctx.unsupported++;
    return false;
  }
  const ptext = w[k + 1] === 'any' ? (family === 4 ? '0.0.0.0/0' : '::/0') : (w[k + 1] ?? '');
  const p = tryParsePrefix(ptext);
  if (!p.ok || p.prefix.family !== family) {
    ctx.program.warnings.push({
      ...at,
      kind: 'unsupported',
      message: `prefix-list ${name}: "${ptext}" is not an IPv${family} prefix`,
    });
    ctx.unsupported++;
    return false;
  }
  const max = family === 4 ? 32 : 128;
  let ge: number | undefined;
  let le: number | undefined;
  for (let j = k + 2; j + 1 < w.length; j += 2) {
    if (w[j] === 'ge') ge = Number(w[j + 1]);
    else if (w[j] === 'le') le = Number(w[j + 1]);
  }
  const any = w[k + 1] === 'any';
  const min = ge ?? p.prefix.len;
  const top = any ? max : (le ?? (ge !== undefined ? max : p.prefix.len));
  list.entries.push({ prefix: p.prefix as Prefix, min, max: top, permit: action === 'permit', seq });
  list.entries.sort((a, b) => a.seq - b.seq);
  return true;
}

function communityListLine(ctx: Ctx, w: string[], at: SourceRef): boolean {
  const { program } = ctx;
  if (w[1] === 'extcommunity-list') {
    program.warnings.push({ ...at, kind: 'unsupported', message: 'extended community lists are not modelled' });
    ctx.unsupported++;
    return false;
  }
  const large = w[1] === 'large-community-list';
  let k = 2;
  let type: 'standard' | 'expanded';
  if (w[k] === 'standard' || w[k] === 'expanded') {
    type = w[k] as 'standard' | 'expanded';
    k++;
  } else {
    const n = Number(w[k]);
    type = Number.isInteger(n) && n >= 100 ? 'expanded' : 'standard';
  }
  const name = w[k++]!;
  if (w[k] === 'seq') k += 2;
  const action = w[k++];
  if (action !== 'permit' && action !== 'deny') {
    program.warnings.push({
      ...at,
      kind: 'unsupported',
      message: `community-list ${name}: ${w.slice(k - 1).join(' ')}`,
    });
    ctx.unsupported++;
    return false;
  }
  const key = large ? `large:${name}` : name;
  const set = program.communities.get(key) ?? { name, large, entries: [], src: at };
  program.communities.set(key, set);
  const rest = w.slice(k);
  let members: CommunityMember[];
  if (type === 'expanded') {
    const text = rest.join(' ');
    try {
      members = [{ regex: new RegExp(text.replace(/_/g, '(?:^|$|[ ,{}()])')), text }];
    } catch {
      program.warnings.push({
        ...at,
        kind: 'unsupported',
        message: `community-list ${name}: "${text}" is not a regex`,
      });
      ctx.unsupported++;
      return false;
    }
  } else if (rest.length === 1 && rest[0] === 'internet') {
    members = [{ regex: /(?:)/, text: 'internet' }];
  } else members = rest.map((v) => ({ literal: communityValue(v) }));
  set.entries.push({ permit: action === 'permit', members, match: type === 'expanded' ? 'string' : 'each' });
  return true;
}

function asPathLine(ctx: Ctx, w: string[], at: SourceRef): boolean {
  const { program } = ctx;
  const name = w[3]!;
  let k = 4;
  if (w[k] === 'seq') k += 2;
  const action = w[k++];
  const text = w.slice(k).join(' ');
  const set = program.asPaths.get(name) ?? { name, entries: [], src: at };
  program.asPaths.set(name, set);
  if (action !== 'permit' && action !== 'deny') return false;
  try {
    set.entries.push({ permit: action === 'permit', regex: frrAsPathRegex(text), text });
    const divergent = libcRegexDivergence(text);
    if (divergent === undefined) return true;
    // Understood, but bgpd may match it otherwise: every match through this list is uncertain (checkReferences).
    program.warnings.push({
      ...at,
      kind: 'unsupported',
      message: `as-path access-list ${name}: "${text}": ${divergent}`,
    });
    ctx.unsupported++;
    if (!ctx.libcDivergent.has(name))
      ctx.libcDivergent.set(name, `as-path access-list ${name} ("${text}"): ${divergent}`);
    return false;
  } catch {
    program.warnings.push({
      ...at,
      kind: 'unsupported',
      message: `as-path access-list ${name}: "${text}" is not a regex`,
    });
    ctx.unsupported++;
    return false;
  }
}

function num(t: string | undefined): number | undefined {
  return t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined;
}

function routeMapLine(ctx: Ctx, term: Term, w: string[], s: string, at: SourceRef): boolean {
  const { program } = ctx;
  const bad = (why: string, where: 'match' | 'set'): false => {
    program.warnings.push({ ...at, kind: 'unsupported', message: `route-map ${term.name}: ${why}` });
    ctx.unsupported++;
    if (where === 'match') term.conditions.push({ kind: 'unsupported', reason: why, text: s, src: at });
    else term.actions.push({ kind: 'unsupported', reason: why, text: s, src: at });
    return false;
  };
  const cond = (c: Condition): true => {
    term.conditions.push(c);
    return true;
  };
  const act = (a: Action): true => {
    term.actions.push(a);
    return true;
  };
  if (w[0] === 'description') return true;
  if (w[0] === 'match') {
    const [, a, b, c, d] = w;
    if ((a === 'ip' || a === 'ipv6') && b === 'address' && c === 'prefix-list' && d !== undefined) {
      return cond({ kind: 'prefix-list', name: `${a}:${d}`, text: s, src: at });
    }
    if ((a === 'ip' || a === 'ipv6') && b === 'address' && c === 'prefix-len')
      return bad(`${s} is not modelled`, 'match');
    if (a === 'community' || a === 'large-community') {
      if (c !== undefined) return bad(`${s}: exact-match / any is not modelled`, 'match');
      return cond({ kind: 'community', names: [a === 'large-community' ? `large:${b}` : b!], text: s, src: at });
    }
    if (a === 'as-path' && b !== undefined) return cond({ kind: 'as-path', names: [b], text: s, src: at });
    if (a === 'local-preference' && num(b) !== undefined)
      return cond({ kind: 'local-pref', value: num(b)!, text: s, src: at });
    if (a === 'metric' && num(b) !== undefined) return cond({ kind: 'med', value: num(b)!, text: s, src: at });
    if (a === 'origin' && (b === 'igp' || b === 'egp' || b === 'incomplete'))
      return cond({ kind: 'origin', origin: b, text: s, src: at });
    // `match peer` on an outbound map: bgpd 8.4 matched no route in the differential test, whether the
    // address was the source or the destination (update groups evaluate the map once for many peers).
    // Not modelled: evaluated conservatively, so an export path through it cannot be proven safe.
    if (a === 'peer') return bad(`${s}: bgpd's outbound semantics of match peer are not modelled`, 'match');
    if (a === 'source-protocol' && SOURCE_PROTOCOLS[b ?? ''] !== undefined)
      return cond({ kind: 'protocol', protocols: [SOURCE_PROTOCOLS[b!]!], text: s, src: at });
    return bad(`${s} is not modelled`, 'match');
  }
  if (w[0] === 'set') {
    const [, a, b, c] = w;
    if (a === 'local-preference' || a === 'metric') {
      const m = /^([+-]?)(\d+)$/.exec(b ?? '');
      if (!m) return bad(`${s} is not modelled`, 'set');
      const op = m[1] === '+' ? 'add' : m[1] === '-' ? 'subtract' : 'set';
      return act({ kind: a === 'metric' ? 'med' : 'local-pref', op, value: Number(m[2]), text: s, src: at });
    }
    if (a === 'community' || a === 'large-community') {
      const vals = w.slice(2);
      if (vals.length === 1 && vals[0] === 'none') {
        if (a === 'community') return act({ kind: 'community-none', text: s, src: at });
        return act({ kind: 'community-values', op: 'set', values: [], large: true, text: s, src: at });
      }
      const additive = vals.at(-1) === 'additive';
      const values = (additive ? vals.slice(0, -1) : vals).map(communityValue);
      return act({
        kind: 'community-values',
        op: additive ? 'add' : 'set',
        values,
        large: a === 'large-community',
        text: s,
        src: at,
      });
    }
    if ((a === 'comm-list' || a === 'large-comm-list') && c === 'delete' && b !== undefined) {
      return act({
        kind: 'community',
        op: 'delete',
        names: [a === 'large-comm-list' ? `large:${b}` : b],
        text: s,
        src: at,
      });
    }
    if (a === 'as-path' && b === 'prepend') {
      if (c === 'last-as' && num(w[4]) !== undefined)
        return act({ kind: 'prepend-last-as', count: num(w[4])!, text: s, src: at });
      const asns = w.slice(3).map(asnOf);
      if (asns.length === 0 || asns.some((x) => x === undefined)) return bad(`${s} is not modelled`, 'set');
      return act({ kind: 'prepend', asns: asns as number[], text: s, src: at });
    }
    if (a === 'as-path' && b === 'exclude') {
      const asns = w.slice(3).map(asnOf);
      if (asns.length === 0 || asns.some((x) => x === undefined)) return bad(`${s} is not modelled`, 'set');
      return act({ kind: 'as-path-exclude', asns: asns as number[], text: s, src: at });
    }
    if (a === 'ip' && b === 'next-hop' && c !== undefined) return act({ kind: 'next-hop', value: c, text: s, src: at });
    if (a === 'ipv6' && b === 'next-hop' && w[4] !== undefined)
      return act({ kind: 'next-hop', value: w[4], text: s, src: at });
    if (a === 'origin' && (b === 'igp' || b === 'egp' || b === 'incomplete'))
      return act({ kind: 'origin', origin: b, text: s, src: at });
    // weight and tag never leave the router.
    if (a === 'weight' || a === 'tag') return true;
    return bad(`${s} is not modelled`, 'set');
  }
  if (w[0] === 'on-match') {
    if (w[1] === 'next') term.flow = term.flow.kind === 'reject' ? term.flow : { kind: 'next-term' };
    else if (w[1] === 'goto' && num(w[2]) !== undefined) {
      if (term.flow.kind !== 'reject') term.flow = { kind: 'goto', seq: num(w[2])! };
    } else return bad(`${s} is not modelled`, 'set');
    return true;
  }
  if (w[0] === 'continue') {
    if (term.flow.kind !== 'reject')
      term.flow = w[1] === undefined ? { kind: 'next-term' } : { kind: 'goto', seq: Number(w[1]) };
    return true;
  }
  if (w[0] === 'call' && w[1] !== undefined) return act({ kind: 'call', policy: w[1], text: s, src: at });
  return bad(`${s} is not modelled`, 'set');
}
