import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AS_CONFED_SEQUENCE, AS_SEQUENCE, AS_SET, type AsPath, type AsPathSegment, sequence } from './as-path.js';
import { type Aspa, type AspaContext, AspaTable, aspaProcedureFor, aspaVerdict, aspaVerify } from './aspa.js';

const fromProvider = (neighborAsn: number): AspaContext => ({ neighborRole: 'provider', neighborAsn });
const fromCustomer = (neighborAsn: number): AspaContext => ({ neighborRole: 'customer', neighborAsn });

describe('provider authorization function (draft §5)', () => {
  const t = AspaTable.from([
    { customer: 10, providers: [20, 30] },
    { customer: 10, providers: [40] }, // a second ASPA of the same CAS: U-SPAS is the union
    { customer: 50, providers: [0] },
  ]);
  it('unites several ASPAs of one customer into its U-SPAS', () => {
    expect(t.providers(10)).toEqual([20, 30, 40]);
    expect(t.size).toBe(2);
  });
  it('answers No Attestation, Provider+ and Not Provider+', () => {
    expect(t.authorized(10, 40)).toBe('provider+');
    expect(t.authorized(10, 99)).toBe('not-provider+');
    expect(t.authorized(11, 10)).toBe('no-attestation');
    expect(t.authorized(50, 10)).toBe('not-provider+'); // AS0 ASPA: no provider at all
  });
  it('finds providers in large SPAS (binary search branch)', () => {
    const many = Array.from({ length: 100 }, (_, i) => 1000 + i * 7);
    const big = AspaTable.from([{ customer: 1, providers: many }]);
    for (const p of many) expect(big.authorized(1, p)).toBe('provider+');
    expect(big.authorized(1, 1001)).toBe('not-provider+');
    expect(big.authorized(1, 4294967295)).toBe('not-provider+');
  });
});

describe('early rules of the procedures (§6.2, §6.3)', () => {
  const t = AspaTable.from([{ customer: 1, providers: [2] }]);
  it('an empty AS_PATH is Invalid', () => {
    expect(aspaVerify(t, [], fromCustomer(2)).reason).toBe('empty-path');
    expect(aspaVerdict(t, [], fromProvider(2))).toBe('invalid');
    // Only confederation segments: nothing left outside the confederation.
    expect(aspaVerdict(t, [{ type: AS_CONFED_SEQUENCE, asns: [65001] }], fromCustomer(2))).toBe('invalid');
  });
  it('the neighbour must be the most recently added AS, unless the neighbour is a route server', () => {
    const path = sequence(2, 1);
    expect(aspaVerify(t, path, fromCustomer(3)).reason).toBe('neighbor-mismatch');
    expect(aspaVerdict(t, path, fromProvider(3))).toBe('invalid');
    // The receiver is an RS-client of a transparent RS (AS 3) that is not in the path.
    expect(aspaVerdict(t, path, { neighborRole: 'rs', neighborAsn: 3 })).toBe('valid');
    // The receiver is the RS; its RS-client must be in the path.
    expect(aspaVerdict(t, path, { neighborRole: 'rs-client', neighborAsn: 3 })).toBe('invalid');
  });
  it('an AS_SET anywhere makes the path Invalid', () => {
    const path: AsPath = [
      { type: AS_SEQUENCE, asns: [2, 1] },
      { type: AS_SET, asns: [7, 8] },
    ];
    expect(aspaVerify(t, path, fromCustomer(2)).reason).toBe('as-set');
    expect(aspaVerdict(t, path, fromProvider(2))).toBe('invalid');
    expect(aspaVerify(t, [{ type: AS_SET, asns: [2] }], fromCustomer(2)).reason).toBe('as-set');
  });
  it('confederation segments are not part of the path outside the confederation', () => {
    const path: AsPath = [
      { type: AS_CONFED_SEQUENCE, asns: [64512, 64513] },
      { type: AS_SEQUENCE, asns: [2, 1] },
    ];
    expect(aspaVerify(t, path, fromCustomer(2))).toMatchObject({ verdict: 'valid', path: [2, 1] });
  });
  it('selects the procedure from the neighbour role', () => {
    expect(aspaProcedureFor('provider')).toBe('downstream');
    for (const r of ['customer', 'peer', 'rs', 'rs-client'] as const) expect(aspaProcedureFor(r)).toBe('upstream');
  });
  it('collapses prepends before counting N', () => {
    const r = aspaVerify(t, sequence(2, 2, 2, 1, 1), fromCustomer(2));
    expect(r.path).toEqual([2, 1]);
    expect(r.ramps).toEqual({ maxUp: 2, minUp: 2, maxDown: 0, minDown: 0 });
  });
  it('a one-AS path is Valid both ways', () => {
    expect(aspaVerdict(AspaTable.empty, sequence(9), fromCustomer(9))).toBe('valid');
    expect(aspaVerdict(AspaTable.empty, sequence(9), fromProvider(9))).toBe('valid');
  });
  it('grows its scratch space for very long paths', () => {
    const asns = Array.from({ length: 300 }, (_, i) => 1000 + i);
    const chain = AspaTable.from(asns.slice(0, -1).map((a, i) => ({ customer: a, providers: [asns[i + 1]!] })));
    const path = sequence(...[...asns].reverse());
    expect(aspaVerdict(chain, path, fromCustomer(asns[asns.length - 1]!))).toBe('valid');
    expect(aspaVerify(chain, path, fromProvider(asns[asns.length - 1]!)).ramps?.maxUp).toBe(300);
  });
});

// ---- property tests ----

const asn = fc.integer({ min: 1, max: 12 }); // a small AS universe, so random ASPAs and paths meet often
const aspaArb = fc.record({
  customer: asn,
  providers: fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }),
});
const tableArb = fc.array(aspaArb, { maxLength: 12 });
const pathArb = fc.array(asn, { minLength: 1, maxLength: 8 });
const roleArb = fc.constantFrom('provider', 'customer', 'peer', 'rs-client', 'rs') as fc.Arbitrary<
  AspaContext['neighborRole']
>;

function ctxFor(role: AspaContext['neighborRole'], asns: number[]): AspaContext {
  return { neighborRole: role, neighborAsn: asns[0]! };
}

describe('ASPA properties', () => {
  it('the verdict is unchanged by prepending (any AS of the path repeated any number of times)', () => {
    fc.assert(
      fc.property(
        tableArb,
        pathArb,
        roleArb,
        fc.array(fc.nat({ max: 3 }), { maxLength: 8 }),
        (aspas, asns, role, reps) => {
          const t = AspaTable.from(aspas);
          const prepended = asns.flatMap((a, i) => Array(1 + (reps[i] ?? 0)).fill(a) as number[]);
          const ctx = ctxFor(role, asns);
          const a = aspaVerify(t, sequence(...asns), ctx);
          const b = aspaVerify(t, sequence(...prepended), ctx);
          expect(b.verdict).toBe(a.verdict);
          expect(b.ramps).toEqual(a.ramps);
          expect(aspaVerdict(t, sequence(...prepended), ctx)).toBe(a.verdict);
        },
      ),
    );
  });

  it('a path whose every hop is attested Provider+ upward is Valid upstream', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 4294967295 }), { minLength: 1, maxLength: 10 }),
        tableArb,
        (originToNeighbor, noise) => {
          // Each AS attests the next one up as a provider (plus unrelated providers and unrelated ASPAs).
          const attest: Aspa[] = originToNeighbor
            .slice(0, -1)
            .map((a, i) => ({ customer: a, providers: [originToNeighbor[i + 1]!, 7] }));
          const t = AspaTable.from([...noise.filter((x) => !originToNeighbor.includes(x.customer)), ...attest]);
          const received = [...originToNeighbor].reverse();
          for (const role of ['customer', 'peer', 'rs-client', 'rs'] as const) {
            const r = aspaVerify(t, sequence(...received), ctxFor(role, received));
            expect(r.verdict).toBe('valid');
            expect(r.ramps?.minUp).toBe(received.length);
            expect(aspaVerdict(t, sequence(...received), ctxFor(role, received))).toBe('valid');
          }
        },
      ),
    );
  });

  it('removing an attestation never turns Invalid into Valid (a whole ASPA, or one provider from it)', () => {
    fc.assert(
      fc.property(tableArb, pathArb, roleArb, fc.nat(), fc.nat(), (aspas, asns, role, pick, pickProvider) => {
        fc.pre(aspas.length > 0);
        const ctx = ctxFor(role, asns);
        const path = sequence(...asns);
        const before = aspaVerdict(AspaTable.from(aspas), path, ctx);
        const i = pick % aspas.length;
        const withoutAspa = aspas.filter((_, k) => k !== i);
        const victim = aspas[i]!;
        const fewer = victim.providers.filter((_, k) => k !== pickProvider % Math.max(1, victim.providers.length));
        const withoutProvider = aspas.map((a, k) => (k === i ? { customer: a.customer, providers: fewer } : a));
        for (const changed of [withoutAspa, withoutProvider]) {
          const after = aspaVerdict(AspaTable.from(changed), path, ctx);
          if (before === 'invalid') expect(after).not.toBe('valid');
        }
      }),
    );
  });

  it('the hot-path verdict always equals the full verification', () => {
    fc.assert(
      fc.property(tableArb, pathArb, roleArb, fc.boolean(), (aspas, asns, role, wrongNeighbor) => {
        const t = AspaTable.from(aspas);
        const ctx = wrongNeighbor ? { neighborRole: role, neighborAsn: 99 } : ctxFor(role, asns);
        expect(aspaVerdict(t, sequence(...asns), ctx)).toBe(aspaVerify(t, sequence(...asns), ctx).verdict);
      }),
    );
  });

  // Ground truth topology: origin climbs `upHops` customer-to-provider hops to an apex, optionally crosses one
  // lateral peering, then descends `downHops` provider-to-customer hops to the neighbour. With every AS
  // registering exactly its providers (complete ASPA deployment), the draft's verdicts are exact.
  const valleyFree = fc.record({
    ases: fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 12, maxLength: 12 }),
    upHops: fc.nat({ max: 4 }),
    peer: fc.boolean(),
    downHops: fc.nat({ max: 4 }),
  });
  function groundTruth(v: { ases: number[]; upHops: number; peer: boolean; downHops: number }) {
    const providers = new Map<number, number[]>(v.ases.map((a) => [a, []]));
    const ramp = v.ases.slice(0, v.upHops + 1); // origin .. apex
    for (let i = 0; i + 1 < ramp.length; i++) providers.get(ramp[i]!)!.push(ramp[i + 1]!);
    const rest = v.ases.slice(v.upHops + 1, v.upHops + 1 + (v.peer ? 1 : 0) + v.downHops);
    let top = v.peer ? rest[0] : ramp[ramp.length - 1];
    for (const a of rest.slice(v.peer ? 1 : 0)) {
      providers.get(a)!.push(top!);
      top = a;
    }
    const originToNeighbor = [...ramp, ...rest];
    const aspas: Aspa[] = [...providers].map(([customer, p]) => ({ customer, providers: p.length ? p : [0] }));
    return { originToNeighbor, aspas };
  }

  it('with complete ASPAs, every valley-free path is Valid downstream, and Valid upstream exactly when it only climbs', () => {
    fc.assert(
      fc.property(valleyFree, (v) => {
        const { originToNeighbor, aspas } = groundTruth(v);
        const t = AspaTable.from(aspas);
        const received = [...originToNeighbor].reverse();
        expect(aspaVerdict(t, sequence(...received), fromProvider(received[0]!))).toBe('valid');
        const onlyUp = !v.peer && v.downHops === 0;
        expect(aspaVerdict(t, sequence(...received), fromCustomer(received[0]!))).toBe(onlyUp ? 'valid' : 'invalid');
      }),
    );
  });

  it('with complete ASPAs, a path with a valley (down then up again) is Invalid both ways', () => {
    fc.assert(
      fc.property(valleyFree, fc.integer({ min: 1, max: 3 }), (v, climb) => {
        fc.pre(v.peer || v.downHops > 0);
        const { originToNeighbor, aspas } = groundTruth(v);
        // The neighbour leaks the route up to `climb` fresh ASes, each a provider of the one before.
        const leakers = Array.from({ length: climb }, (_, i) => 2_000_000 + i);
        let below = originToNeighbor[originToNeighbor.length - 1]!;
        const extra: Aspa[] = [];
        for (const l of leakers) {
          extra.push({ customer: below, providers: [l] });
          extra.push({ customer: l, providers: [0] });
          below = l;
        }
        const t = AspaTable.from([...aspas, ...extra]);
        const received = [...originToNeighbor, ...leakers].reverse();
        const seg: AsPathSegment[] = [{ type: AS_SEQUENCE, asns: received }];
        expect(aspaVerdict(t, seg, fromProvider(received[0]!))).toBe('invalid');
        expect(aspaVerdict(t, seg, fromCustomer(received[0]!))).toBe('invalid');
      }),
    );
  });
});
