// Path attributes, table-driven: one entry per attribute code with its name, expected flags, the RFC 7606
// action for a malformed value, and decode/encode functions. Decoding reads the buffer with index
// arithmetic (this is the hot loop of the MRT reader) and never throws; every problem becomes a WireProblem.
import { ByteWriter } from '../../lib/bytes.js';
import { readAsPath, writeAsPath } from './as-path.js';
import type { AttrCodec, AttrDecode, AttrDecodeState, AttrEncode } from './attr-codec.js';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from './mp.js';
import type {
  AttributesResult,
  DecodeContext,
  PathAttributes,
  RawAttribute,
  Rfc7606Action,
  WireProblem,
} from './types.js';
import { ACTION_RANK } from './types.js';

export const FLAG_OPTIONAL = 0x80;
export const FLAG_TRANSITIVE = 0x40;
export const FLAG_PARTIAL = 0x20;
export const FLAG_EXTENDED = 0x10;

/** Attribute type codes (IANA "BGP Path Attributes"). */
export const ATTR = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MED: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITY: 32,
  OTC: 35,
} as const;

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

function exact(name: string, len: number, want: number): string | null {
  return len === want ? null : `${name} length is ${len}, must be ${want}`;
}

function multiple(name: string, len: number, of: number, nonZero = false): string | null {
  if (len % of === 0 && !(nonZero && len === 0)) return null;
  return `${name} length ${len} is not a ${nonZero ? 'non-zero ' : ''}multiple of ${of}`;
}

function u32Attr(name: string, set: (a: PathAttributes, v: number) => void): AttrDecode {
  return (s, p, len) => {
    const e = exact(name, len, 4);
    if (e) return e;
    set(s.attrs, u32(s.buf, p));
    return null;
  };
}

function addr4Attr(name: string, set: (a: PathAttributes, v: Uint8Array) => void): AttrDecode {
  return (s, p, len) => {
    const e = exact(name, len, 4);
    if (e) return e;
    set(s.attrs, s.buf.subarray(p, p + 4));
    return null;
  };
}

function aggregatorDecode(name: string, as4Always: boolean, four: boolean): AttrDecode {
  return (s, p, len) => {
    const as4 = as4Always || s.ctx.as4;
    const e = exact(name, len, as4 ? 8 : 6);
    if (e) return e;
    const b = s.buf;
    const asn = as4 ? u32(b, p) : (b[p]! << 8) | b[p + 1]!;
    const at = p + (as4 ? 4 : 2);
    const v = { asn, address: b.subarray(at, at + 4) };
    if (four) s.attrs.as4Aggregator = v;
    else s.attrs.aggregator = v;
    return null;
  };
}

const decodeOrigin: AttrDecode = (s, p, len) => {
  const e = exact('ORIGIN', len, 1);
  if (e) return e;
  const v = s.buf[p]!;
  if (v > 2) return `ORIGIN value ${v} is not 0 (IGP), 1 (EGP) or 2 (INCOMPLETE)`;
  s.attrs.origin = v;
  return null;
};

const decodeAsPath: AttrDecode = (s, p, len) => {
  const segs: PathAttributes['asPath'] = [];
  const e = readAsPath(s.buf, p, p + len, s.ctx.as4 ? 4 : 2, segs);
  if (e === null || e.endsWith('has length 0')) s.attrs.asPath = segs;
  return e;
};

const decodeAs4Path: AttrDecode = (s, p, len) => {
  const segs: PathAttributes['asPath'] = [];
  const e = readAsPath(s.buf, p, p + len, 4, segs);
  if (e === null) s.attrs.as4Path = segs;
  return e;
};

const decodeCommunities: AttrDecode = (s, p, len) => {
  const e = multiple('COMMUNITIES', len, 4);
  if (e) return e;
  const n = len >>> 2;
  const out: number[] = new Array(n);
  const b = s.buf;
  for (let i = 0; i < n; i++, p += 4) out[i] = u32(b, p);
  s.attrs.communities = out;
  return null;
};

const decodeClusterList: AttrDecode = (s, p, len) => {
  const e = multiple('CLUSTER_LIST', len, 4);
  if (e) return e;
  const out: Uint8Array[] = [];
  for (let i = 0; i < len; i += 4) out.push(s.buf.subarray(p + i, p + i + 4));
  s.attrs.clusterList = out;
  return null;
};

const decodeExtCommunities: AttrDecode = (s, p, len) => {
  const e = multiple('EXTENDED_COMMUNITIES', len, 8);
  if (e) return e;
  const out: Uint8Array[] = [];
  for (let i = 0; i < len; i += 8) out.push(s.buf.subarray(p + i, p + i + 8));
  s.attrs.extendedCommunities = out;
  return null;
};

const decodeLargeCommunities: AttrDecode = (s, p, len) => {
  const e = multiple('LARGE_COMMUNITY', len, 12, true);
  if (e) return e;
  const out: NonNullable<PathAttributes['largeCommunities']> = [];
  const b = s.buf;
  for (let i = 0; i < len; i += 12) {
    out.push({ global: u32(b, p + i), local1: u32(b, p + i + 4), local2: u32(b, p + i + 8) });
  }
  s.attrs.largeCommunities = out;
  return null;
};

const encU32 =
  (get: (a: PathAttributes) => number | undefined): AttrEncode =>
  (w, a) => {
    const v = get(a);
    if (v === undefined) return false;
    w.u32(v);
    return true;
  };

const encBytes =
  (get: (a: PathAttributes) => Uint8Array | undefined): AttrEncode =>
  (w, a) => {
    const v = get(a);
    if (v === undefined) return false;
    w.bytes(v);
    return true;
  };

function encAggregator(w: ByteWriter, v: PathAttributes['aggregator'], as4: boolean): boolean {
  if (!v) return false;
  if (as4) w.u32(v.asn);
  else w.u16(v.asn > 0xffff ? 23456 : v.asn);
  w.bytes(v.address);
  return true;
}

/** The attribute table. */
export const ATTRIBUTE_CODECS: ReadonlyMap<number, AttrCodec> = new Map<number, AttrCodec>([
  [
    ATTR.ORIGIN,
    {
      name: 'ORIGIN',
      flags: 0x40,
      malformed: 'treat-as-withdraw',
      decode: decodeOrigin,
      encode: (w, a) => {
        if (a.origin === undefined) return false;
        w.u8(a.origin);
        return true;
      },
    },
  ],
  [
    ATTR.AS_PATH,
    {
      name: 'AS_PATH',
      flags: 0x40,
      malformed: 'treat-as-withdraw',
      decode: decodeAsPath,
      encode: (w, a, ctx) => {
        if (!a.asPath) return false;
        writeAsPath(w, a.asPath, ctx.as4 ? 4 : 2);
        return true;
      },
    },
  ],
  [
    ATTR.NEXT_HOP,
    {
      name: 'NEXT_HOP',
      flags: 0x40,
      malformed: 'treat-as-withdraw',
      decode: addr4Attr('NEXT_HOP', (a, v) => {
        a.nextHop = v;
      }),
      encode: encBytes((a) => a.nextHop),
    },
  ],
  [
    ATTR.MED,
    {
      name: 'MULTI_EXIT_DISC',
      flags: 0x80,
      malformed: 'treat-as-withdraw',
      decode: u32Attr('MULTI_EXIT_DISC', (a, v) => {
        a.med = v;
      }),
      encode: encU32((a) => a.med),
    },
  ],
  [
    ATTR.LOCAL_PREF,
    {
      name: 'LOCAL_PREF',
      flags: 0x40,
      malformed: 'treat-as-withdraw',
      decode: u32Attr('LOCAL_PREF', (a, v) => {
        a.localPref = v;
      }),
      encode: encU32((a) => a.localPref),
    },
  ],
  [
    ATTR.ATOMIC_AGGREGATE,
    {
      name: 'ATOMIC_AGGREGATE',
      flags: 0x40,
      malformed: 'attribute-discard',
      decode: (s, _p, len) => {
        const e = exact('ATOMIC_AGGREGATE', len, 0);
        if (!e) s.attrs.atomicAggregate = true;
        return e;
      },
      encode: (_w, a) => a.atomicAggregate === true,
    },
  ],
  [
    ATTR.AGGREGATOR,
    {
      name: 'AGGREGATOR',
      flags: 0xc0,
      malformed: 'attribute-discard',
      decode: aggregatorDecode('AGGREGATOR', false, false),
      encode: (w, a, ctx) => encAggregator(w, a.aggregator, ctx.as4),
    },
  ],
  [
    ATTR.COMMUNITIES,
    {
      name: 'COMMUNITIES',
      flags: 0xc0,
      malformed: 'treat-as-withdraw',
      decode: decodeCommunities,
      encode: (w, a) => {
        if (!a.communities) return false;
        for (const c of a.communities) w.u32(c);
        return true;
      },
    },
  ],
  [
    ATTR.ORIGINATOR_ID,
    {
      name: 'ORIGINATOR_ID',
      flags: 0x80,
      malformed: 'treat-as-withdraw',
      decode: addr4Attr('ORIGINATOR_ID', (a, v) => {
        a.originatorId = v;
      }),
      encode: encBytes((a) => a.originatorId),
    },
  ],
  [
    ATTR.CLUSTER_LIST,
    {
      name: 'CLUSTER_LIST',
      flags: 0x80,
      malformed: 'treat-as-withdraw',
      decode: decodeClusterList,
      encode: (w, a) => {
        if (!a.clusterList) return false;
        for (const c of a.clusterList) w.bytes(c);
        return true;
      },
    },
  ],
  [
    ATTR.MP_REACH_NLRI,
    { name: 'MP_REACH_NLRI', flags: 0x80, malformed: 'af-disable', decode: decodeMpReach, encode: encodeMpReach },
  ],
  [
    ATTR.MP_UNREACH_NLRI,
    { name: 'MP_UNREACH_NLRI', flags: 0x80, malformed: 'af-disable', decode: decodeMpUnreach, encode: encodeMpUnreach },
  ],
  [
    ATTR.EXTENDED_COMMUNITIES,
    {
      name: 'EXTENDED_COMMUNITIES',
      flags: 0xc0,
      malformed: 'treat-as-withdraw',
      decode: decodeExtCommunities,
      encode: (w, a) => {
        if (!a.extendedCommunities) return false;
        for (const c of a.extendedCommunities) w.bytes(c);
        return true;
      },
    },
  ],
  [
    ATTR.AS4_PATH,
    {
      name: 'AS4_PATH',
      flags: 0xc0,
      malformed: 'attribute-discard',
      decode: decodeAs4Path,
      encode: (w, a) => {
        if (!a.as4Path) return false;
        writeAsPath(w, a.as4Path, 4);
        return true;
      },
    },
  ],
  [
    ATTR.AS4_AGGREGATOR,
    {
      name: 'AS4_AGGREGATOR',
      flags: 0xc0,
      malformed: 'attribute-discard',
      decode: aggregatorDecode('AS4_AGGREGATOR', true, true),
      encode: (w, a) => encAggregator(w, a.as4Aggregator, true),
    },
  ],
  [
    ATTR.LARGE_COMMUNITY,
    {
      name: 'LARGE_COMMUNITY',
      flags: 0xc0,
      malformed: 'treat-as-withdraw',
      decode: decodeLargeCommunities,
      encode: (w, a) => {
        if (!a.largeCommunities) return false;
        for (const c of a.largeCommunities) w.u32(c.global).u32(c.local1).u32(c.local2);
        return true;
      },
    },
  ],
  [
    ATTR.OTC,
    {
      name: 'OTC',
      flags: 0xc0,
      malformed: 'treat-as-withdraw',
      decode: u32Attr('OTC', (a, v) => {
        a.otc = v;
      }),
      encode: encU32((a) => a.otc),
    },
  ],
]);

// Dense lookup for the hot loop: index = type code.
const CODEC_BY_TYPE: (AttrCodec | undefined)[] = [];
for (const [t, c] of ATTRIBUTE_CODECS) CODEC_BY_TYPE[t] = c;

/** Name of an attribute type code ("ATTR_99" for unknown ones). */
export function attributeName(type: number): string {
  return CODEC_BY_TYPE[type]?.name ?? `ATTR_${type}`;
}

/** The most severe action of a list of problems. */
export function worstAction(problems: readonly WireProblem[]): Rfc7606Action {
  let worst: Rfc7606Action = 'none';
  for (const p of problems) if (ACTION_RANK[p.action] > ACTION_RANK[worst]) worst = p.action;
  return worst;
}

/**
 * Decodes the path attributes in buf[start, end) under the session context. Never throws. `attrs` holds
 * every attribute whose value was well-formed (the first of duplicates), whatever the flags said; `problems`
 * lists what was wrong, each with its RFC 7606 action, and `action` is the worst of them.
 */
export function decodePathAttributes(
  buf: Uint8Array,
  start: number,
  end: number,
  ctx: DecodeContext,
): AttributesResult {
  const layout: number[] = [];
  const attrs: PathAttributes = { layout };
  const problems: WireProblem[] = [];
  if (end > buf.length) {
    problems.push({
      action: 'session-reset',
      code: 'E_BGP_ATTR_OVERRUN',
      message: `path attributes field [${start}, ${end}) runs past the input of ${buf.length} bytes`,
      offset: start,
      notify: [3, 1],
    });
    end = buf.length;
  }
  if (!(start >= 0)) start = 0;
  const state: AttrDecodeState = { buf, ctx, attrs, problems };
  let seenLo = 0; // types 0-31
  let seenHi = 0; // types 32-63
  let seenMore: Set<number> | undefined;
  let p = start;
  while (p < end) {
    const at = p;
    const flags = buf[p]!;
    const hdr = flags & FLAG_EXTENDED ? 4 : 3;
    if (end - p < hdr) {
      overrun(state, at, -1, `attribute header at offset ${at} needs ${hdr} bytes, ${end - p} left`);
      break;
    }
    const type = buf[p + 1]!;
    const len = hdr === 4 ? (buf[p + 2]! << 8) | buf[p + 3]! : buf[p + 2]!;
    const v = p + hdr;
    if (end - v < len) {
      overrun(state, at, type, `${attributeName(type)} at offset ${at} has length ${len}, ${end - v} bytes left`);
      break;
    }
    p = v + len;

    let dup: boolean;
    if (type < 32) {
      dup = (seenLo & (1 << type)) !== 0;
      seenLo |= 1 << type;
    } else if (type < 64) {
      dup = (seenHi & (1 << (type - 32))) !== 0;
      seenHi |= 1 << (type - 32);
    } else {
      seenMore ??= new Set();
      dup = seenMore.has(type);
      seenMore.add(type);
    }
    if (dup) {
      const mp = type === ATTR.MP_REACH_NLRI || type === ATTR.MP_UNREACH_NLRI;
      problems.push({
        action: mp ? 'session-reset' : 'attribute-discard',
        code: 'E_BGP_ATTR_DUPLICATE',
        message: `${attributeName(type)} at offset ${at} repeats an earlier one${mp ? '' : '; it is discarded'}`,
        offset: at,
        attrType: type,
        notify: [3, 1],
      });
      continue;
    }

    const codec = CODEC_BY_TYPE[type];
    if (codec === undefined) {
      if ((flags & FLAG_OPTIONAL) === 0) {
        problems.push({
          action: 'session-reset',
          code: 'E_BGP_ATTR_WELLKNOWN',
          message: `attribute type ${type} at offset ${at} is marked well-known but is not one this codec knows`,
          offset: at,
          attrType: type,
          notify: [3, 2],
        });
      }
      const raw: RawAttribute = { type, flags, value: buf.subarray(v, v + len) };
      if (attrs.unknown) attrs.unknown.push(raw);
      else attrs.unknown = [raw];
      layout.push((flags << 8) | type);
      continue;
    }
    if ((flags & 0xc0) !== codec.flags) {
      problems.push({
        action: codec.malformed,
        code: 'E_BGP_ATTR_FLAGS',
        message: `${codec.name} at offset ${at} has flags 0x${flags.toString(16)}, expected optional/transitive bits 0x${codec.flags.toString(16)}`,
        offset: at,
        attrType: type,
        notify: [3, 4],
      });
    }
    const err = codec.decode(state, v, len);
    if (err === null) {
      layout.push((flags << 8) | type);
    } else {
      const lengthError = err !== false && err.startsWith(`${codec.name} length`);
      if (err !== false) {
        problems.push({
          action: codec.malformed,
          code: type === 14 || type === 15 ? 'E_BGP_MP' : lengthError ? 'E_BGP_ATTR_LENGTH' : 'E_BGP_ATTR_VALUE',
          message: `${codec.name} at offset ${at}: ${err}`,
          offset: at,
          attrType: type,
          notify: notifyFor(type, lengthError),
        });
      }
      // A zero-length AS path segment is malformed, yet the path was kept for display: keep its layout too.
      if (type === ATTR.AS_PATH && attrs.asPath) layout.push((flags << 8) | type);
    }
  }
  return { attrs, problems, action: worstAction(problems) };
}

// RFC 4271 §6.3 UPDATE Message Error subcodes, for a receiver that does reset the session.
function notifyFor(type: number, lengthError: boolean): readonly [number, number] {
  if (lengthError) return [3, 5];
  if (type === ATTR.ORIGIN) return [3, 6];
  if (type === ATTR.AS_PATH) return [3, 11];
  if (type === ATTR.NEXT_HOP) return [3, 8];
  return [3, 9];
}

// RFC 7606 §4: an attribute running past the Total Attribute Length is treat-as-withdraw, unless an
// MP_REACH/MP_UNREACH may be lost with it: the NLRI can then not all be found, and only a reset is safe.
function overrun(s: AttrDecodeState, at: number, type: number, message: string): void {
  const mp = s.attrs.mpReach !== undefined || s.attrs.mpUnreach !== undefined || type === 14 || type === 15;
  const p: WireProblem = {
    action: mp ? 'session-reset' : 'treat-as-withdraw',
    code: 'E_BGP_ATTR_OVERRUN',
    message: mp ? `${message} (with MP_REACH/MP_UNREACH present, the NLRI cannot all be located)` : message,
    offset: at,
    notify: [3, 1],
  };
  if (type >= 0) p.attrType = type;
  s.problems.push(p);
}

const DEFAULT_ORDER = [...ATTRIBUTE_CODECS.keys()].sort((a, b) => a - b);

/**
 * Encodes path attributes (without the 2-byte total length). With `attrs.layout` the wire order and flags
 * are those recorded; otherwise type order with the table's flags. Extended length is used when a value is
 * over 255 bytes or the layout says so. Throws FailsmallError E_BYTES_RANGE on values that do not fit.
 */
export function encodePathAttributes(attrs: PathAttributes, ctx: DecodeContext): Uint8Array {
  const w = new ByteWriter(256);
  writePathAttributes(w, attrs, ctx);
  return w.finish();
}

/** encodePathAttributes appending to a writer. */
export function writePathAttributes(w: ByteWriter, attrs: PathAttributes, ctx: DecodeContext): void {
  const entries: number[] = attrs.layout ?? defaultLayout(attrs);
  let unknownUsed: Set<RawAttribute> | undefined;
  const tmp = new ByteWriter(64);
  for (const e of entries) {
    const type = e & 0xff;
    let flags = e >>> 8;
    const codec = CODEC_BY_TYPE[type];
    let value: Uint8Array;
    if (codec) {
      const ok = codec.encode(tmp, attrs, ctx);
      value = tmp.finish();
      if (!ok) continue; // listed in the layout but removed from attrs since: leave it out
    } else {
      unknownUsed ??= new Set();
      const used = unknownUsed;
      const raw = attrs.unknown?.find((u) => u.type === type && !used.has(u));
      if (!raw) continue;
      used.add(raw);
      value = raw.value;
      flags = raw.flags;
    }
    if (value.length > 255) flags |= FLAG_EXTENDED;
    w.u8(flags).u8(type);
    if (flags & FLAG_EXTENDED) w.u16(value.length);
    else w.u8(value.length);
    w.bytes(value);
  }
}

function defaultLayout(attrs: PathAttributes): number[] {
  const out: number[] = [];
  const unknown = attrs.unknown ?? [];
  for (const t of DEFAULT_ORDER) out.push((ATTRIBUTE_CODECS.get(t)!.flags << 8) | t);
  for (const u of unknown) out.push((u.flags << 8) | u.type);
  return out;
}
