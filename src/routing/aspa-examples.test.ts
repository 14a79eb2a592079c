// Every example of "ASPA-based AS path verification examples" (Sriram, Borchert, Matejka, August 2025),
// the document draft-ietf-sidrops-aspa-verification-28 points to, as a test: ramps and verdict.
// The tables are written out here (self-contained), and a corpus test parses the document's text to make
// sure no row was missed or mistyped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCorpus } from '../testing/env.js';
import { sequence } from './as-path.js';
import { type Aspa, type AspaProcedure, AspaTable, type AspaVerdict, aspaVerdict, aspaVerify } from './aspa.js';

/** Letters of the document's topologies as ASNs: A = 64501, B = 64502, ... */
const as = (letter: string): number => 64500 + letter.charCodeAt(0) - 64;
const spas = (text: string): number[] => text.split(/,\s*/).map((p) => (p.trim() === 'AS0' ? 0 : as(p.trim())));

// Slide 2: the ASPAs of the first topology (E and F have none; G is an AS0 ASPA).
const TOPOLOGY_1: Aspa[] = [
  { customer: as('A'), providers: spas('C, D') },
  { customer: as('B'), providers: spas('E') },
  { customer: as('C'), providers: spas('F') },
  { customer: as('D'), providers: spas('F, G') },
  { customer: as('G'), providers: spas('AS0') },
];
// Slide 9: the topology with complex relationships (J has no ASPA).
const TOPOLOGY_2: Aspa[] = [
  { customer: as('H'), providers: spas('AS0') },
  { customer: as('K'), providers: spas('AS0') },
  { customer: as('L'), providers: spas('K') },
  { customer: as('P'), providers: spas('AS0') },
  { customer: as('Q'), providers: spas('AS0') },
  { customer: as('R'), providers: spas('Q') },
  { customer: as('S'), providers: spas('R') },
];

interface Example {
  table: 1 | 2 | 3;
  row: number;
  receiver: string;
  path: string;
  procedure: AspaProcedure;
  maxUp: number;
  minUp: number;
  /** Down ramps of the downstream examples; the document prints NA for upstream ones. */
  maxDown?: number;
  minDown?: number;
  verdict: AspaVerdict;
}

const up = (row: number, receiver: string, path: string, maxUp: number, minUp: number, verdict: AspaVerdict) =>
  ({ table: 1, row, receiver, path, procedure: 'upstream', maxUp, minUp, verdict }) as const;
const down = (
  row: number,
  receiver: string,
  path: string,
  maxUp: number,
  maxDown: number,
  minUp: number,
  minDown: number,
  verdict: AspaVerdict,
) => ({ table: 2, row, receiver, path, procedure: 'downstream', maxUp, maxDown, minUp, minDown, verdict }) as const;

// Table 1: upstream (received from a customer or lateral peer). Columns: path, max_up_ramp, min_up_ramp.
const TABLE_1: Example[] = [
  up(1, 'G', 'FCA', 3, 3, 'valid'),
  up(2, 'G', 'DCA', 2, 2, 'invalid'),
  up(3, 'G', 'DFCA', 4, 3, 'unknown'),
  up(4, 'C', 'DEB', 3, 2, 'unknown'),
  up(5, 'C', 'ADEB', 3, 2, 'invalid'),
  up(6, 'C', 'ADGEB', 3, 2, 'invalid'),
  up(7, 'D', 'ACF', 2, 1, 'invalid'),
  up(8, 'D', 'ACFG', 1, 1, 'invalid'),
  up(9, 'D', 'EB', 2, 2, 'valid'),
];
// Table 2: downstream (received from a provider). Columns: max_up, max_down, min_up, min_down.
// Rows 9 and 10 are Valid although forged by the provider E: undetectable by ASPA (draft §8.2).
const TABLE_2: Example[] = [
  down(1, 'B', 'EGFCA', 4, 2, 3, 1, 'unknown'),
  down(2, 'B', 'EGDA', 3, 2, 3, 1, 'valid'),
  down(3, 'B', 'EDCA', 2, 2, 2, 1, 'unknown'),
  down(4, 'B', 'EGDCA', 2, 2, 2, 1, 'invalid'),
  down(5, 'A', 'CFDG', 1, 4, 1, 2, 'unknown'),
  down(6, 'A', 'DGEB', 3, 2, 2, 2, 'valid'),
  down(7, 'A', 'CDGEB', 3, 1, 2, 1, 'invalid'),
  down(8, 'D', 'FCA', 3, 2, 3, 1, 'valid'),
  down(9, 'B', 'EA', 1, 2, 1, 1, 'valid'),
  down(10, 'B', 'ECA', 2, 2, 2, 1, 'valid'),
];
// Table 3: complex relationships, each session verified by its own relation (draft §7.4).
const TABLE_3: Example[] = [
  { ...up(1, 'K', 'JH', 1, 1, 'invalid'), table: 3 }, // K-J session is P2C: J is K's customer
  { ...up(2, 'K', 'JH', 1, 1, 'invalid'), table: 3 }, // K-J session is p2p
  { ...down(3, 'L', 'KJH', 1, 1, 1, 1, 'invalid'), table: 3 },
  { ...up(4, 'R', 'QP', 1, 1, 'invalid'), table: 3 },
  { ...down(5, 'R', 'QP', 1, 1, 1, 1, 'valid'), table: 3 },
  { ...down(6, 'S', 'RQP', 1, 2, 1, 2, 'valid'), table: 3 },
];

function run(table: AspaTable, ex: Example) {
  const asns = [...ex.path].map(as);
  const path = sequence(...asns);
  const ctx = { neighborRole: ex.procedure === 'downstream' ? 'provider' : 'customer', neighborAsn: asns[0]! } as const;
  return { full: aspaVerify(table, path, ctx), fast: aspaVerdict(table, path, ctx) };
}

function check(table: AspaTable, ex: Example): void {
  const { full, fast } = run(table, ex);
  expect(full.procedure).toBe(ex.procedure);
  expect(full.ramps?.maxUp).toBe(ex.maxUp);
  expect(full.ramps?.minUp).toBe(ex.minUp);
  if (ex.procedure === 'downstream') {
    expect(full.ramps?.maxDown).toBe(ex.maxDown);
    expect(full.ramps?.minDown).toBe(ex.minDown);
  } else {
    // §6.2: the upstream procedure sets both down ramps to 0.
    expect(full.ramps?.maxDown).toBe(0);
    expect(full.ramps?.minDown).toBe(0);
  }
  expect(full.verdict).toBe(ex.verdict);
  expect(fast).toBe(ex.verdict);
}

const t1 = AspaTable.from(TOPOLOGY_1);
const t2 = AspaTable.from(TOPOLOGY_2);

describe('ASPA examples document, Table 1 (upstream)', () => {
  for (const ex of TABLE_1) {
    it(`#${ex.row}: ${ex.receiver} receives ${ex.path} -> max_up ${ex.maxUp}, min_up ${ex.minUp}, ${ex.verdict}`, () =>
      check(t1, ex));
  }
});

describe('ASPA examples document, Table 2 (downstream)', () => {
  for (const ex of TABLE_2) {
    it(`#${ex.row}: ${ex.receiver} receives ${ex.path} -> ramps ${ex.maxUp}/${ex.maxDown}/${ex.minUp}/${ex.minDown}, ${ex.verdict}`, () =>
      check(t1, ex));
  }
});

describe('ASPA examples document, Table 3 (complex relationships)', () => {
  for (const ex of TABLE_3) {
    it(`#${ex.row}: ${ex.receiver} receives ${ex.path} (${ex.procedure}) -> ${ex.verdict}`, () => check(t2, ex));
  }
});

describe('ASPA examples document, worked examples', () => {
  it('Table 2 #7 logs the Not Provider+ hops that bound the ramps', () => {
    const { full } = run(t1, TABLE_2[6]!);
    expect(full.reason).toBe('ramps');
    expect(full.path).toEqual([...'CDGEB'].map(as));
    // up: B->E P+, E->G no attestation, G->D not P+ (AS0 ASPA); down: C->D not P+ (C's SPAS is {F}).
    expect(full.notProviderPlus).toContainEqual({ customer: as('G'), provider: as('D'), direction: 'up' });
    expect(full.notProviderPlus).toContainEqual({ customer: as('C'), provider: as('D'), direction: 'down' });
  });
  it('Table 1 #2 reports the one Not Provider+ hop C -> D', () => {
    const { full } = run(t1, TABLE_1[1]!);
    expect(full.notProviderPlus).toEqual([{ customer: as('C'), provider: as('D'), direction: 'up' }]);
  });
});

/** Parse the rows of the three tables and the ASPA lists from the document's text. */
function parseDocument(text: string) {
  const split = text.indexOf('Topology Contains Complex');
  const parts = [text.slice(0, split), text.slice(split)];
  const aspaLists = parts.map((part) => {
    const m = new Map<string, string>();
    for (const x of part.matchAll(/^\s*([A-Z]), \{([^}]*)\}/gm)) m.set(x[1]!, x[2]!);
    return m;
  });
  const t1 = text.slice(text.indexOf('Table 1:'), text.indexOf('Working out example #2'));
  const t2 = text.slice(text.indexOf('Table 2:'), text.indexOf('*Forged-origin'));
  const t3 = text.slice(text.indexOf('Table 3:'));
  const rows1 = [...t1.matchAll(/^(\d+)\s+([A-Z])\s+([A-Z]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(Valid|Invalid|Unknown)/gm)];
  const rows2 = [
    ...t2.matchAll(/^(\d+)\s+([A-Z])\s+([A-Z]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(Valid|Invalid|Unknown)/gm),
  ];
  const rows3 = [
    ...t3.matchAll(
      /^(\d+)\s+([A-Z])\s+([A-Z]+)\s+(P2C|C2P|p2p)\s+(Upstream|Downstream)\s+(\d+)\s+(\d+)\s+(\d+|NA)\s+(\d+)\s+(\d+|NA)\s+(Valid|Invalid|Unknown)/gm,
    ),
  ];
  return { aspaLists, rows1, rows2, rows3 };
}

describeCorpus('ASPA examples document (text) against the tables above', ['aspa', 'examples'], (dir) => {
  const text = readFileSync(join(dir, 'ASPA_path_verification_examples.pdftotext-layout.txt'), 'utf8');
  const doc = parseDocument(text);

  it('lists the same ASPAs for both topologies', () => {
    const asMap = (list: Aspa[]) => new Map(list.map((a) => [a.customer, [...a.providers].sort()]));
    for (const [i, expected] of [TOPOLOGY_1, TOPOLOGY_2].entries()) {
      const parsed = [...doc.aspaLists[i]!].map(([c, p]) => ({ customer: as(c), providers: spas(p) }));
      expect(asMap(parsed)).toEqual(asMap(expected));
    }
  });

  it('has 9 + 10 + 6 rows, each matching the tables written out here and our result', () => {
    expect([doc.rows1.length, doc.rows2.length, doc.rows3.length]).toEqual([9, 10, 6]);
    const lower = (v: string) => v.toLowerCase() as AspaVerdict;
    doc.rows1.forEach((r, i) => {
      const ex = TABLE_1[i]!;
      expect([r[2], r[3], Number(r[4]), Number(r[5]), Number(r[6]), lower(r[7]!)]).toEqual([
        ex.receiver,
        ex.path,
        ex.path.length,
        ex.maxUp,
        ex.minUp,
        ex.verdict,
      ]);
      check(t1, ex);
    });
    doc.rows2.forEach((r, i) => {
      const ex = TABLE_2[i]!;
      expect([r[2], r[3], Number(r[4]), Number(r[5]), Number(r[6]), Number(r[7]), Number(r[8]), lower(r[9]!)]).toEqual([
        ex.receiver,
        ex.path,
        ex.path.length,
        ex.maxUp,
        ex.maxDown,
        ex.minUp,
        ex.minDown,
        ex.verdict,
      ]);
      check(t1, ex);
    });
    doc.rows3.forEach((r, i) => {
      const ex = TABLE_3[i]!;
      const num = (v: string) => (v === 'NA' ? undefined : Number(v));
      expect([r[2], r[3], lower(r[5]!), Number(r[6]), Number(r[7]), num(r[8]!), Number(r[9]), num(r[10]!)]).toEqual([
        ex.receiver,
        ex.path,
        ex.procedure,
        ex.path.length,
        ex.maxUp,
        ex.maxDown,
        ex.minUp,
        ex.minDown,
      ]);
      expect(lower(r[11]!)).toBe(ex.verdict);
      check(t2, ex);
    });
  });
});
