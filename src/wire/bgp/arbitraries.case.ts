// fast-check generators of well-formed BGP messages and session contexts, for the property and fuzz tests
// of src/wire (the MRT tests may use them too). Test-only: *.case.ts files are left out of the build.
import fc from 'fast-check';
import { decodeContext } from './context.js';
import type {
  AsPathSegment,
  BgpMessage,
  Capability,
  DecodeContext,
  MpReach,
  MpUnreach,
  Nlri,
  OpenMessage,
  PathAttributes,
  RawAttribute,
  UpdateMessage,
} from './types.js';

export interface CtxSettings {
  as4: boolean;
  addPath: boolean;
  extendedMessage: boolean;
  /** Decode as an MRT RIB entry (IPv6 unicast): MP_REACH may be abbreviated. */
  mrtRib: boolean;
}

export const ctxSettingsArb: fc.Arbitrary<CtxSettings> = fc.record({
  as4: fc.boolean(),
  addPath: fc.boolean(),
  extendedMessage: fc.boolean(),
  mrtRib: fc.boolean(),
});

export function ctxOf(s: CtxSettings): DecodeContext {
  const o = { as4: s.as4, addPath: s.addPath, extendedMessage: s.extendedMessage };
  return decodeContext(s.mrtRib ? { ...o, mrtRib: { afi: 2, safi: 1 } } : o);
}

const u32 = fc.nat({ max: 0xffffffff });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

function mask(addr: Uint8Array, len: number): Uint8Array {
  const out = addr.slice();
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, len - i * 8));
    out[i] = out[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

export function nlriArb(family: 4 | 6, addPath: boolean): fc.Arbitrary<Nlri> {
  const size = family === 4 ? 4 : 16;
  return fc.record({ addr: bytes(size), len: fc.nat({ max: size * 8 }), pathId: u32 }).map(({ addr, len, pathId }) => {
    const n: Nlri = { prefix: { family, addr: mask(addr, len), len } };
    if (addPath) n.pathId = pathId;
    return n;
  });
}

function segmentArb(as4: boolean, types: (1 | 2 | 3 | 4)[]): fc.Arbitrary<AsPathSegment> {
  return fc.record({
    type: fc.constantFrom(...types),
    asns: fc.array(as4 ? u32 : fc.nat({ max: 0xffff }), { minLength: 1, maxLength: 12 }),
  });
}

const UNKNOWN_TYPES = [12, 19, 20, 22, 23, 25, 26, 29, 40, 99, 128, 200, 255];

const unknownArb: fc.Arbitrary<RawAttribute> = fc.record({
  type: fc.constantFrom(...UNKNOWN_TYPES),
  flags: fc.constantFrom(0xc0, 0xe0, 0x80),
  value: fc.uint8Array({ maxLength: 40 }),
});

function mpReachArb(ctx: CtxSettings): fc.Arbitrary<MpReach> {
  const v6 = fc.record({
    nh: fc.oneof(bytes(16), bytes(32)),
    nlri: fc.array(nlriArb(6, ctx.addPath), { maxLength: 6 }),
    safi: fc.constantFrom(1, 2),
  });
  const other = fc.record({ nh: fc.uint8Array({ maxLength: 24 }), raw: fc.uint8Array({ maxLength: 30 }) });
  return fc.oneof(
    v6.map(({ nh, nlri, safi }) => {
      const mp: MpReach = { afi: 2, safi, nextHop: nh, reserved: 0, nlri, nlriBytes: new Uint8Array(0) };
      return mp;
    }),
    // A family this codec keeps raw (IPv4 FlowSpec): NLRI bytes are opaque.
    other.map(({ nh, raw }) => ({ afi: 1, safi: 133, nextHop: nh, reserved: 0, nlriBytes: raw }) as MpReach),
    // The MRT RIB abbreviated form: next-hop length and next hop only.
    ...(ctx.mrtRib
      ? [
          fc.oneof(bytes(16), bytes(32)).map(
            (nh) =>
              ({
                afi: 2,
                safi: 1,
                nextHop: nh,
                reserved: 0,
                nlriBytes: new Uint8Array(0),
                abbreviated: true,
              }) as MpReach,
          ),
        ]
      : []),
  );
}

function mpUnreachArb(ctx: CtxSettings): fc.Arbitrary<MpUnreach> {
  return fc
    .array(nlriArb(6, ctx.addPath), { maxLength: 6 })
    .map((nlri) => ({ afi: 2, safi: 1, nlri, nlriBytes: new Uint8Array(0) }));
}

/** Well-formed path attributes for the session; ORIGIN, AS_PATH, NEXT_HOP always present. */
export function attrsArb(ctx: CtxSettings): fc.Arbitrary<PathAttributes> {
  const asn = ctx.as4 ? u32 : fc.nat({ max: 0xffff });
  return fc
    .record(
      {
        origin: fc.nat({ max: 2 }),
        asPath: fc.array(segmentArb(ctx.as4, [1, 2, 3, 4]), { maxLength: 4 }),
        nextHop: bytes(4),
        med: u32,
        localPref: u32,
        atomicAggregate: fc.constant(true),
        aggregator: fc.record({ asn, address: bytes(4) }),
        communities: fc.array(u32, { maxLength: 8 }),
        originatorId: bytes(4),
        clusterList: fc.array(bytes(4), { maxLength: 4 }),
        mpReach: mpReachArb(ctx),
        mpUnreach: mpUnreachArb(ctx),
        extendedCommunities: fc.array(bytes(8), { maxLength: 4 }),
        as4Path: fc.array(segmentArb(true, [1, 2]), { maxLength: 3 }),
        as4Aggregator: fc.record({ asn: u32, address: bytes(4) }),
        largeCommunities: fc.array(fc.record({ global: u32, local1: u32, local2: u32 }), {
          minLength: 1,
          maxLength: 4,
        }),
        otc: u32,
        unknown: fc.uniqueArray(unknownArb, { maxLength: 3, selector: (u) => u.type }),
      },
      { requiredKeys: ['origin', 'asPath', 'nextHop'] },
    )
    .map((a) => a as PathAttributes);
}

export function updateArb(ctx: CtxSettings): fc.Arbitrary<UpdateMessage> {
  return fc
    .record({
      withdrawn: fc.array(nlriArb(4, ctx.addPath), { maxLength: 8 }),
      attrs: attrsArb(ctx),
      nlri: fc.array(nlriArb(4, ctx.addPath), { maxLength: 12 }),
      bare: fc.boolean(),
    })
    .map(({ withdrawn, attrs, nlri, bare }) =>
      // An UPDATE with withdrawals only carries no attributes.
      bare ? { type: 2 as const, withdrawn, attrs: {}, nlri: [] } : { type: 2 as const, withdrawn, attrs, nlri },
    );
}

const afiSafi = fc.record({ afi: fc.constantFrom(1, 2, 25, 16388), safi: fc.constantFrom(1, 2, 4, 70, 128, 133) });

export const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  afiSafi.map(({ afi, safi }) => ({ code: 1, afi, reserved: 0, safi }) as Capability),
  fc.constantFrom<Capability>({ code: 2 }, { code: 6 }, { code: 70 }, { code: 128 }),
  fc.nat({ max: 4 }).map((role) => ({ code: 9, role }) as Capability),
  u32.map((asn) => ({ code: 65, asn }) as Capability),
  fc
    .record({
      flags: fc.nat({ max: 15 }),
      time: fc.nat({ max: 4095 }),
      families: fc.array(fc.record({ afi: fc.constantFrom(1, 2), safi: fc.constantFrom(1, 2), flags: fc.nat(255) }), {
        maxLength: 3,
      }),
    })
    .map((g) => ({ code: 64, ...g }) as Capability),
  fc
    .array(
      fc.record({
        afi: fc.constantFrom(1, 2),
        safi: fc.constantFrom(1, 2),
        sendReceive: fc.integer({ min: 1, max: 3 }),
      }),
      {
        maxLength: 3,
      },
    )
    .map((families) => ({ code: 69, families }) as Capability),
  fc
    .record({ code: fc.constantFrom(5, 71, 73, 75, 200), raw: fc.uint8Array({ maxLength: 20 }) })
    .map((c) => c as Capability),
);

export const openArb: fc.Arbitrary<OpenMessage> = fc.record({
  type: fc.constant(1 as const),
  version: fc.constant(4),
  myAs: fc.nat({ max: 0xffff }),
  holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
  bgpId: bytes(4),
  params: fc.array(
    fc.array(capabilityArb, { maxLength: 6 }).map((capabilities) => ({ type: 2 as const, capabilities })),
    { minLength: 0, maxLength: 3 },
  ),
});

export function messageArb(ctx: CtxSettings): fc.Arbitrary<BgpMessage> {
  return fc.oneof(
    { arbitrary: updateArb(ctx), weight: 4 },
    { arbitrary: openArb, weight: 2 },
    fc.constant({ type: 4 as const }),
    fc
      .record({ code: fc.integer({ min: 1, max: 6 }), subcode: fc.nat(255), data: fc.uint8Array({ maxLength: 20 }) })
      .map((n) => ({ type: 3 as const, ...n })),
    fc
      .record({ afi: fc.constantFrom(1, 2), subtype: fc.nat(2), safi: fc.constantFrom(1, 2) })
      .map((r) => ({ type: 5 as const, ...r })),
  );
}

/** Drops what decoding adds beyond the generated value (views, split next hops, wire layout). */
export function normalizeAttrs(a: PathAttributes): PathAttributes {
  const out: PathAttributes = { ...a };
  delete out.layout;
  if (out.unknown?.length === 0) delete out.unknown;
  if (out.mpReach) {
    const { nextHopGlobal: _g, nextHopLinkLocal: _l, ...rest } = out.mpReach;
    out.mpReach = rest.nlri ? { ...rest, nlriBytes: new Uint8Array(0) } : rest;
  }
  if (out.mpUnreach?.nlri) out.mpUnreach = { ...out.mpUnreach, nlriBytes: new Uint8Array(0) };
  return out;
}
