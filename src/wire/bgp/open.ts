// OPEN (RFC 4271 §4.2) with optional parameters, capabilities (RFC 5492) and the extended optional
// parameters length of RFC 9072. Capabilities this codec knows are typed; others, and known ones whose value
// has the wrong length, are kept raw (the latter with a problem), so that encode(decode(x)) = x.
import { ByteWriter } from '../../lib/bytes.js';
import type { AfiSafi, Capability, OpenMessage, OptionalParameter, WireProblem } from './types.js';

/** Capability codes (IANA "Capability Codes"). */
export const CAP = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_MESSAGE: 6,
  ROLE: 9,
  GRACEFUL_RESTART: 64,
  AS4: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  ROUTE_REFRESH_CISCO: 128,
} as const;

function openProblem(problems: WireProblem[], code: string, message: string, offset: number, sub: number): void {
  problems.push({ action: 'session-reset', code, message, offset, notify: [2, sub] });
}

/** Decodes one capability value buf[p, p+len); null when the length does not fit the code. */
function decodeCapability(buf: Uint8Array, code: number, p: number, len: number): Capability | null {
  switch (code) {
    case CAP.MULTIPROTOCOL:
      return len === 4 ? { code, afi: (buf[p]! << 8) | buf[p + 1]!, reserved: buf[p + 2]!, safi: buf[p + 3]! } : null;
    case CAP.ROUTE_REFRESH:
    case CAP.ENHANCED_ROUTE_REFRESH:
    case CAP.ROUTE_REFRESH_CISCO:
    case CAP.EXTENDED_MESSAGE:
      return len === 0 ? { code } : null;
    case CAP.ROLE:
      return len === 1 ? { code, role: buf[p]! } : null;
    case CAP.AS4:
      return len === 4
        ? { code, asn: ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0 }
        : null;
    case CAP.GRACEFUL_RESTART: {
      if (len < 2 || (len - 2) % 4 !== 0) return null;
      const families: (AfiSafi & { flags: number })[] = [];
      for (let i = p + 2; i < p + len; i += 4) {
        families.push({ afi: (buf[i]! << 8) | buf[i + 1]!, safi: buf[i + 2]!, flags: buf[i + 3]! });
      }
      return { code, flags: buf[p]! >>> 4, time: ((buf[p]! & 0x0f) << 8) | buf[p + 1]!, families };
    }
    case CAP.ADD_PATH: {
      if (len % 4 !== 0) return null;
      const families: (AfiSafi & { sendReceive: number })[] = [];
      for (let i = p; i < p + len; i += 4) {
        families.push({ afi: (buf[i]! << 8) | buf[i + 1]!, safi: buf[i + 2]!, sendReceive: buf[i + 3]! });
      }
      return { code, families };
    }
    default:
      return { code, raw: buf.slice(p, p + len) };
  }
}

function decodeCapabilities(buf: Uint8Array, p: number, end: number, problems: WireProblem[]): Capability[] {
  const caps: Capability[] = [];
  while (p < end) {
    if (end - p < 2) {
      openProblem(problems, 'E_BGP_OPEN', `capability header at offset ${p} needs 2 bytes, ${end - p} left`, p, 0);
      break;
    }
    const code = buf[p]!;
    const len = buf[p + 1]!;
    if (end - p - 2 < len) {
      openProblem(
        problems,
        'E_BGP_OPEN',
        `capability ${code} at offset ${p} has length ${len}, ${end - p - 2} bytes left in its parameter`,
        p,
        0,
      );
      break;
    }
    const cap = decodeCapability(buf, code, p + 2, len);
    if (cap) caps.push(cap);
    else {
      openProblem(problems, 'E_BGP_CAPABILITY', `capability ${code} at offset ${p} has a value of ${len} bytes`, p, 0);
      caps.push({ code, raw: buf.slice(p + 2, p + 2 + len) });
    }
    p += 2 + len;
  }
  return caps;
}

/** Decodes an OPEN body buf[start, end) (after the 19-byte header). Never throws. */
export function decodeOpenBody(buf: Uint8Array, start: number, end: number, problems: WireProblem[]): OpenMessage {
  const b = buf;
  const p = start;
  const version = b[p]!;
  const msg: OpenMessage = {
    type: 1,
    version,
    myAs: (b[p + 1]! << 8) | b[p + 2]!,
    holdTime: (b[p + 3]! << 8) | b[p + 4]!,
    bgpId: b.slice(p + 5, p + 9),
    params: [],
  };
  if (version !== 4) {
    openProblem(problems, 'E_BGP_OPEN', `OPEN version ${version} at offset ${p} is not 4`, p, 1);
  }
  if (msg.holdTime === 1 || msg.holdTime === 2) {
    openProblem(problems, 'E_BGP_OPEN', `OPEN hold time ${msg.holdTime} is neither 0 nor at least 3`, p + 3, 6);
  }
  let q = p + 10;
  let optLen = b[p + 9]!;
  let extended = false;
  // RFC 9072: a non-extended length of 255 followed by parameter type 255 announces a 2-byte length.
  if (optLen === 255 && end - q >= 3 && b[q] === 255) {
    extended = true;
    optLen = (b[q + 1]! << 8) | b[q + 2]!;
    q += 3;
    msg.extendedParams = true;
  }
  if (q + optLen !== end) {
    openProblem(
      problems,
      'E_BGP_OPEN',
      `OPEN optional parameters length ${optLen} at offset ${p + 9} does not match the ${end - q} bytes left`,
      p + 9,
      0,
    );
  }
  const pend = Math.min(end, q + optLen);
  const hdr = extended ? 3 : 2;
  while (q < pend) {
    if (pend - q < hdr) {
      openProblem(problems, 'E_BGP_OPEN', `optional parameter header at offset ${q} runs past the OPEN`, q, 0);
      break;
    }
    const type = b[q]!;
    const len = extended ? (b[q + 1]! << 8) | b[q + 2]! : b[q + 1]!;
    const v = q + hdr;
    if (pend - v < len) {
      openProblem(
        problems,
        'E_BGP_OPEN',
        `optional parameter at offset ${q} has length ${len}, ${pend - v} left`,
        q,
        0,
      );
      break;
    }
    if (type === 2) msg.params.push({ type: 2, capabilities: decodeCapabilities(b, v, v + len, problems) });
    else {
      openProblem(problems, 'E_BGP_OPEN', `optional parameter type ${type} at offset ${q} is not supported`, q, 4);
      msg.params.push({ type, value: b.slice(v, v + len) });
    }
    q = v + len;
  }
  return msg;
}

function writeCapability(w: ByteWriter, c: Capability): void {
  w.u8(c.code);
  const at = w.reserve(1);
  const start = w.length;
  if ('raw' in c) w.bytes(c.raw);
  else if ('afi' in c) w.u16(c.afi).u8(c.reserved).u8(c.safi);
  else if ('role' in c) w.u8(c.role);
  else if ('asn' in c) w.u32(c.asn);
  else if ('time' in c) {
    w.u16(((c.flags & 0x0f) << 12) | (c.time & 0x0fff));
    for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.flags);
  } else if ('families' in c) {
    for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.sendReceive);
  }
  w.setU8(at, w.length - start);
}

/** Writes an OPEN body; uses the RFC 9072 encoding when asked or when parameters exceed 255 bytes. */
export function writeOpenBody(w: ByteWriter, m: OpenMessage): void {
  w.u8(m.version).u16(m.myAs).u16(m.holdTime).bytes(m.bgpId);
  const params = new ByteWriter(64);
  const ext = m.extendedParams === true || paramsLength(m.params) > 255;
  for (const prm of m.params) {
    params.u8(prm.type);
    const at = params.reserve(ext ? 2 : 1);
    const start = params.length;
    if ('capabilities' in prm) for (const c of prm.capabilities) writeCapability(params, c);
    else params.bytes(prm.value);
    if (ext) params.setU16(at, params.length - start);
    else params.setU8(at, params.length - start);
  }
  const body = params.finish();
  if (ext) w.u8(255).u8(255).u16(body.length);
  else w.u8(body.length);
  w.bytes(body);
}

function paramsLength(params: readonly OptionalParameter[]): number {
  const w = new ByteWriter(64);
  for (const prm of params) {
    if ('capabilities' in prm) for (const c of prm.capabilities) writeCapability(w, c);
    else w.bytes(prm.value);
    w.u8(0).u8(0);
  }
  return w.length;
}

/** The capabilities of an OPEN, from all its capability parameters, in order. */
export function capabilities(m: OpenMessage): Capability[] {
  const out: Capability[] = [];
  for (const prm of m.params) if ('capabilities' in prm) out.push(...prm.capabilities);
  return out;
}
