// What the lab replay measures outside the engine, sampled continuously: the upstream FRR's BGP table
// (which edges each prefix has a path from) and every edge agent's binding table (bindings.json in its
// state directory), each compared with the good state the network held before the job started.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from './exec.js';
import type { Lab } from './lab.js';

export interface UpstreamWatch {
  /** Sampling from now on counts damage (before: only the convergence check). */
  arm(): void;
  samples(): number;
  /** Median and largest time one sample took (vtysh JSON of the whole table, parsed), ms; failed samples. */
  sampleMs(): { median: number; max: number; errors: number };
  /** Prefixes (of `counted`) that had fewer paths than edges in some armed sample, and no path at all. */
  lostAPath(counted?: (p: string) => boolean): number;
  lostEveryPath(counted?: (p: string) => boolean): number;
  /** Edges (addresses) that lost a path for some prefix. */
  edgesTouched(): string[];
  /** First sample at or after `since` where every watched prefix had a path from every edge. */
  fullAt(since: number): number | null;
  /** The sample at or after `since` from which every sample up to the last was full (null: the last was not). */
  fullSince(since: number): number | null;
  /** Resolves with the time of the first full sample at or after `since` (or null after `ms`). */
  waitFull(since: number, ms: number): Promise<number | null>;
  stop(): Promise<void>;
}

/** Samples the upstream every `everyMs` (a sample starts when the last one ended, at most that often). */
export function watchUpstream(lab: Lab, prefixes: readonly string[], everyMs: number): UpstreamWatch {
  const edges = lab.edges.map((e) => e.address);
  const lost = new Set<string>();
  const none = new Set<string>();
  const touched = new Set<string>();
  const full: number[] = [];
  const partial: number[] = [];
  const took: number[] = [];
  let armed = false;
  let running = true;
  let errors = 0;
  const loop = (async () => {
    while (running) {
      const t = Date.now();
      let routes: Map<string, string[]>;
      try {
        routes = await lab.upstreamRoutes();
      } catch {
        errors++; // a vtysh hiccup is not a withdrawal; the next sample decides
        await sleep(everyMs);
        continue;
      }
      took.push(Date.now() - t);
      let complete = true;
      for (const p of prefixes) {
        const from = new Set(routes.get(p) ?? []);
        if (from.size >= edges.length) continue;
        complete = false;
        if (!armed) continue;
        lost.add(p);
        if (from.size === 0) none.add(p);
        for (const e of edges) if (!from.has(e)) touched.add(e);
      }
      (complete ? full : partial).push(t);
      await sleep(Math.max(0, everyMs - (Date.now() - t)));
    }
  })();
  const count = (s: Set<string>, f?: (p: string) => boolean) => (f ? [...s].filter(f).length : s.size);
  const fullAt = (since: number) => full.find((t) => t >= since) ?? null;
  const fullSince = (since: number) => {
    const lastPartial = partial.at(-1) ?? Number.NEGATIVE_INFINITY;
    return full.find((t) => t >= since && t > lastPartial) ?? null;
  };
  return {
    arm: () => {
      armed = true;
    },
    samples: () => took.length,
    sampleMs() {
      const s = [...took].sort((a, b) => a - b);
      return { median: s[Math.floor(s.length / 2)] ?? 0, max: s.at(-1) ?? 0, errors };
    },
    lostAPath: (f) => count(lost, f),
    lostEveryPath: (f) => count(none, f),
    edgesTouched: () => [...touched].sort(),
    fullAt,
    fullSince,
    async waitFull(since, ms) {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        const at = fullAt(since);
        if (at !== null) return at;
        await sleep(100);
      }
      return fullAt(since);
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

export interface BindingsWatch {
  /** Good-state bindings missing from some sample of the edge's table, per edge location. */
  removed(): Record<string, number>;
  samples(): number;
  stop(): Promise<void>;
}

/** The binding ids an edge's agent holds right now (bindings.json; empty when absent or mid-write). */
export async function edgeBindings(lab: Lab, location: string): Promise<Set<string> | null> {
  const e = lab.edges.find((x) => x.location === location);
  if (!e) throw new Error(`no lab edge ${location}`);
  const text = await readFile(join(e.dir, 'agent', 'bindings.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return new Set((JSON.parse(text) as { bindings: { id: string }[] }).bindings.map((b) => b.id));
  } catch {
    return null; // the agent writes a temporary file and renames it, so this is not expected; skip the sample
  }
}

/** Reads every edge's binding table every `everyMs` and counts the good bindings it ever lacked. */
export function watchBindings(lab: Lab, good: Record<string, Set<string>>, everyMs: number): BindingsWatch {
  const missing: Record<string, Set<string>> = Object.fromEntries(lab.edges.map((e) => [e.location, new Set()]));
  let n = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = Date.now();
      for (const e of lab.edges) {
        const held = await edgeBindings(lab, e.location);
        if (!held) continue;
        for (const id of good[e.location] ?? []) if (!held.has(id)) missing[e.location]?.add(id);
      }
      n++;
      await sleep(Math.max(0, everyMs - (Date.now() - t)));
    }
  })();
  return {
    removed: () => Object.fromEntries(Object.entries(missing).map(([l, s]) => [l, s.size])),
    samples: () => n,
    async stop() {
      running = false;
      await loop;
    },
  };
}
