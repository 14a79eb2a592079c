// Labeled unicast (SAFI 4, RFC 8277) and L3VPN (SAFI 128, RFC 4364 §4.3.4) NLRI, which MpReach keeps raw in
// `nlriBytes`: label stack (3 bytes per label until the bottom-of-stack bit), the 8-byte route
// distinguisher for VPN, then the prefix. Withdrawals may carry the 0x800000 / 0x000000 compatibility
// label (RFC 8277 §2.4), which ends the stack too. Never throws.
import type { Family, Prefix } from '../../lib/prefix.js';
import type { WireProblem } from './types.js';

export const SAFI_LABELED = 4;
export const SAFI_VPN = 128;

export interface LabeledNlri {
  prefix: Prefix;
  /** 20-bit label values, outermost first. */
  labels: number[];
  /** Route distinguisher, 8 bytes (SAFI 128 only). */
  rd?: Uint8Array;
  pathId?: number;
}

/** Whether (afi, safi) is a family decodeLabeledNlri reads. */
export function isLabeledFamily(afi: number, safi: number): boolean {
  return (afi === 1 || afi === 2) && (safi === SAFI_LABELED || safi === SAFI_VPN);
}

export function decodeLabeledNlri(
  buf: Uint8Array,
  afi: number,
  safi: number,
  addPath: boolean,
  withdraw = false,
): { nlri: LabeledNlri[]; problems: WireProblem[] } {
  const family: Family = afi === 2 ? 6 : 4;
  const size = family === 4 ? 4 : 16;
  const nlri: LabeledNlri[] = [];
  const problems: WireProblem[] = [];
  const bad = (offset: number, message: string) => {
    problems.push({ action: 'af-disable', code: 'E_BGP_LABELED_NLRI', message, offset, notify: [3, 10] });
  };
  let p = 0;
  while (p < buf.length) {
    const at = p;
    let pathId: number | undefined;
    if (addPath) {
      if (buf.length - p < 5) {
        bad(at, `add-path labeled NLRI at offset ${at} is cut short`);
        return { nlri, problems };
      }
      pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
    }
    let bits = buf[p++]!;
    const labels: number[] = [];
    for (;;) {
      if (bits < 24 || buf.length - p < 3) {
        bad(at, `labeled NLRI at offset ${at} ends inside its label stack`);
        return { nlri, problems };
      }
      const v = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
      p += 3;
      bits -= 24;
      labels.push(v >>> 4);
      if (v & 1 || (withdraw && (v === 0x800000 || v === 0))) break;
    }
    let rd: Uint8Array | undefined;
    if (safi === SAFI_VPN) {
      if (bits < 64 || buf.length - p < 8) {
        bad(at, `VPN NLRI at offset ${at} has no room for its route distinguisher`);
        return { nlri, problems };
      }
      rd = buf.slice(p, p + 8);
      p += 8;
      bits -= 64;
    }
    const n = (bits + 7) >>> 3;
    if (bits > size * 8 || buf.length - p < n) {
      bad(at, `labeled NLRI at offset ${at}: a /${bits} prefix does not fit`);
      return { nlri, problems };
    }
    const addr = new Uint8Array(size);
    addr.set(buf.subarray(p, p + n));
    if (bits & 7) addr[n - 1]! &= (0xff << (8 - (bits & 7))) & 0xff;
    p += n;
    const e: LabeledNlri = { prefix: { family, addr, len: bits }, labels };
    if (rd) e.rd = rd;
    if (pathId !== undefined) e.pathId = pathId;
    nlri.push(e);
  }
  return { nlri, problems };
}
