// MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760), with the MRT RIB abbreviated form (RFC 6396 §4.3.4).
// IPv4/IPv6 unicast and multicast NLRI are decoded (with add-path per the context); other families keep
// their NLRI field raw. Errors: too short to name the family → session reset; otherwise AFI/SAFI disable.
import type { ByteWriter } from '../../lib/bytes.js';
import type { AttrDecode, AttrDecodeState, AttrEncode } from './attr-codec.js';
import { readNlri, writeNlri } from './nlri.js';
import type { MpReach, MpUnreach, Nlri, WireProblem } from './types.js';

/** IPv4 or IPv6 for the families whose NLRI this codec decodes (unicast, multicast), else undefined. */
export function ipFamily(afi: number, safi: number): 4 | 6 | undefined {
  if (safi !== 1 && safi !== 2) return undefined;
  return afi === 1 ? 4 : afi === 2 ? 6 : undefined;
}

function tooShort(s: AttrDecodeState, p: number, type: number, len: number, min: number): false {
  s.problems.push({
    action: 'session-reset',
    code: 'E_BGP_MP',
    message: `${type === 14 ? 'MP_REACH_NLRI' : 'MP_UNREACH_NLRI'} value at offset ${p} has length ${len}, below ${min}: the address family cannot be read`,
    offset: p,
    attrType: type,
    notify: [3, 9],
  });
  return false;
}

function decodeFamilyNlri(
  s: AttrDecodeState,
  afi: number,
  safi: number,
  start: number,
  end: number,
  type: number,
): Nlri[] | undefined | false {
  const fam = ipFamily(afi, safi);
  if (fam === undefined) return undefined;
  const out: Nlri[] = [];
  const local: WireProblem[] = [];
  if (readNlri(s.buf, start, end, fam, s.ctx.addPath(afi, safi), out, local)) return out;
  for (const pr of local) {
    s.problems.push({
      ...pr,
      action: 'af-disable',
      message: `${type === 14 ? 'MP_REACH_NLRI' : 'MP_UNREACH_NLRI'} (afi ${afi}, safi ${safi}): ${pr.message}`,
      attrType: type,
    });
  }
  return false;
}

export const decodeMpReach: AttrDecode = (s, p, len) => {
  const b = s.buf;
  const end = p + len;
  const rib = s.ctx.mrtRib;
  if (rib && len >= 1 && b[p]! + 1 === len) {
    const nextHop = b.subarray(p + 1, end);
    const mp: MpReach = {
      afi: rib.afi,
      safi: rib.safi,
      nextHop,
      reserved: 0,
      nlriBytes: b.subarray(end, end),
      abbreviated: true,
    };
    splitNextHop(mp);
    s.attrs.mpReach = mp;
    return null;
  }
  if (len < 3) return tooShort(s, p, 14, len, 5);
  const afi = (b[p]! << 8) | b[p + 1]!;
  const safi = b[p + 2]!;
  if (len < 5) return `afi ${afi} safi ${safi}: length ${len} leaves no room for next-hop length and reserved byte`;
  const nhLen = b[p + 3]!;
  if (5 + nhLen > len) return `afi ${afi} safi ${safi}: next-hop length ${nhLen} runs past the attribute (${len})`;
  const fam = ipFamily(afi, safi);
  if (fam !== undefined && !validNextHopLength(fam, nhLen)) {
    return `afi ${afi} safi ${safi}: next-hop length ${nhLen} is not ${fam === 4 ? '4, 16 or 32' : '16 or 32'}`;
  }
  const nhStart = p + 4;
  const nlriStart = nhStart + nhLen + 1;
  const nlri = decodeFamilyNlri(s, afi, safi, nlriStart, end, 14);
  if (nlri === false) return false;
  const mp: MpReach = {
    afi,
    safi,
    nextHop: b.subarray(nhStart, nhStart + nhLen),
    reserved: b[nhStart + nhLen]!,
    nlriBytes: b.subarray(nlriStart, end),
  };
  if (nlri) mp.nlri = nlri;
  if (fam !== undefined) splitNextHop(mp);
  s.attrs.mpReach = mp;
  return null;
};

function validNextHopLength(fam: 4 | 6, n: number): boolean {
  // IPv4 NLRI may carry an IPv6 next hop (RFC 8950); IPv6 carries a global and optionally a link-local one.
  return fam === 4 ? n === 4 || n === 16 || n === 32 : n === 16 || n === 32;
}

function splitNextHop(mp: MpReach): void {
  const nh = mp.nextHop;
  if (nh.length === 4 || nh.length === 16) mp.nextHopGlobal = nh;
  else if (nh.length === 32) {
    mp.nextHopGlobal = nh.subarray(0, 16);
    mp.nextHopLinkLocal = nh.subarray(16, 32);
  }
}

export const decodeMpUnreach: AttrDecode = (s, p, len) => {
  if (len < 3) return tooShort(s, p, 15, len, 3);
  const b = s.buf;
  const afi = (b[p]! << 8) | b[p + 1]!;
  const safi = b[p + 2]!;
  const nlri = decodeFamilyNlri(s, afi, safi, p + 3, p + len, 15);
  if (nlri === false) return false;
  const mp: MpUnreach = { afi, safi, nlriBytes: b.subarray(p + 3, p + len) };
  if (nlri) mp.nlri = nlri;
  s.attrs.mpUnreach = mp;
  return null;
};

function writeFamilyNlri(
  w: ByteWriter,
  afi: number,
  safi: number,
  nlri: Nlri[] | undefined,
  raw: Uint8Array,
  addPath: boolean,
): void {
  if (nlri && ipFamily(afi, safi) !== undefined) writeNlri(w, nlri, addPath);
  else w.bytes(raw);
}

export const encodeMpReach: AttrEncode = (w, a, ctx) => {
  const mp = a.mpReach;
  if (!mp) return false;
  if (mp.abbreviated) {
    w.u8(mp.nextHop.length).bytes(mp.nextHop);
    return true;
  }
  w.u16(mp.afi).u8(mp.safi).u8(mp.nextHop.length).bytes(mp.nextHop).u8(mp.reserved);
  writeFamilyNlri(w, mp.afi, mp.safi, mp.nlri, mp.nlriBytes, ctx.addPath(mp.afi, mp.safi));
  return true;
};

export const encodeMpUnreach: AttrEncode = (w, a, ctx) => {
  const mp = a.mpUnreach;
  if (!mp) return false;
  w.u16(mp.afi).u8(mp.safi);
  writeFamilyNlri(w, mp.afi, mp.safi, mp.nlri, mp.nlriBytes, ctx.addPath(mp.afi, mp.safi));
  return true;
};
