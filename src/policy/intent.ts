// The intent file of `failsmall verify --intent`: per neighbour (address, or Junos group / FRR
// peer-group name) its role and, optionally, the prefixes it may receive (positive enumeration), plus the
// community-based safeguard: communities an exported route must carry ("exportable").
import { parse as parseYaml } from 'yaml';
import { FailsmallError } from '../lib/errors.js';
import { type Prefix, tryParsePrefix } from '../lib/prefix.js';

export type NeighborRole = 'provider' | 'customer' | 'peer' | 'rs' | 'rs-client' | 'internal';
export const NEIGHBOR_ROLES: readonly NeighborRole[] = ['provider', 'customer', 'peer', 'rs', 'rs-client', 'internal'];

export interface NeighborIntent {
  role?: NeighborRole;
  allow?: Prefix[];
  exportable?: string[];
}

export interface Intent {
  neighbors: Map<string, NeighborIntent>;
  /** Communities every route exported to a provider, peer or route server must carry. */
  exportable: string[];
}

function bad(why: string): never {
  throw new FailsmallError('E_POLICY_INTENT', why);
}

function communities(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !/^\d+:\d+(:\d+)?$/.test(x))) {
    bad(`${where}: exportable must be a list of communities ("65000:1" or "65000:1:2")`);
  }
  return v as string[];
}

export function parseIntent(text: string): Intent {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    bad(`not YAML: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null) bad('expected a mapping with `neighbors:`');
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'neighbors' && k !== 'exportable') bad(`unknown key "${k}" (neighbors, exportable)`);
  const neighbors = new Map<string, NeighborIntent>();
  const ns = o.neighbors ?? {};
  if (typeof ns !== 'object' || ns === null || Array.isArray(ns))
    bad('neighbors must be a mapping keyed by address or group');
  for (const [key, v] of Object.entries(ns as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null) bad(`neighbors.${key}: expected { role, allow }`);
    const e = v as Record<string, unknown>;
    for (const k of Object.keys(e))
      if (!['role', 'allow', 'exportable'].includes(k)) bad(`neighbors.${key}: unknown key "${k}"`);
    const ni: NeighborIntent = {};
    if (e.role !== undefined) {
      if (!NEIGHBOR_ROLES.includes(e.role as NeighborRole))
        bad(`neighbors.${key}.role: "${String(e.role)}" is not one of ${NEIGHBOR_ROLES.join(', ')}`);
      ni.role = e.role as NeighborRole;
    }
    if (e.allow !== undefined) {
      if (!Array.isArray(e.allow)) bad(`neighbors.${key}.allow must be a list of prefixes`);
      ni.allow = e.allow.map((x, i) => {
        const p = tryParsePrefix(String(x));
        if (!p.ok) bad(`neighbors.${key}.allow[${i}]: ${p.message}`);
        return p.prefix;
      });
    }
    const ex = communities(e.exportable, `neighbors.${key}`);
    if (ex.length > 0) ni.exportable = ex;
    neighbors.set(key, ni);
  }
  return { neighbors, exportable: communities(o.exportable, 'exportable') };
}
