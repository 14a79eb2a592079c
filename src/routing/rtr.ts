// The cache side of the RPKI-to-Router protocol (RFC 8210, version 1; RFC 6810, version 0), as pure PDU
// encoding and decoding: enough to hand a router (or rtrlib, which the tests use as an independent ROV
// implementation) a full VRP set. The socket around it lives with the caller.
import { ByteWriter } from '../lib/bytes.js';
import type { Vrp } from './rov.js';

export const RTR_SERIAL_NOTIFY = 0;
export const RTR_SERIAL_QUERY = 1;
export const RTR_RESET_QUERY = 2;
export const RTR_CACHE_RESPONSE = 3;
export const RTR_IPV4_PREFIX = 4;
export const RTR_IPV6_PREFIX = 6;
export const RTR_END_OF_DATA = 7;
export const RTR_CACHE_RESET = 8;
export const RTR_ERROR_REPORT = 10;

/** A PDU a router sends: its version, type, session id field and (serial query) serial. */
export interface RtrQuery {
  version: number;
  type: number;
  session: number;
  serial?: number;
  length: number;
}

/**
 * Split router-to-cache bytes into PDUs. Returns the complete ones and how many bytes they used (the rest
 * is a partial PDU to keep for the next read). A length below 8 or above 64 KiB is reported as `bad`.
 */
export function decodeRtrQueries(buf: Uint8Array): { queries: RtrQuery[]; used: number; bad?: string } {
  const queries: RtrQuery[] = [];
  let p = 0;
  while (p + 8 <= buf.length) {
    const length = ((buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!) >>> 0;
    if (length < 8 || length > 65536) return { queries, used: p, bad: `PDU length ${length} at offset ${p}` };
    if (p + length > buf.length) break;
    const q: RtrQuery = { version: buf[p]!, type: buf[p + 1]!, session: (buf[p + 2]! << 8) | buf[p + 3]!, length };
    if (q.type === RTR_SERIAL_QUERY && length >= 12) {
      q.serial = ((buf[p + 8]! << 24) | (buf[p + 9]! << 16) | (buf[p + 10]! << 8) | buf[p + 11]!) >>> 0;
    }
    queries.push(q);
    p += length;
  }
  return { queries, used: p };
}

export interface RtrTimers {
  refresh: number;
  retry: number;
  expire: number;
}

const DEFAULT_TIMERS: RtrTimers = { refresh: 3600, retry: 600, expire: 7200 };

/** Cache Response, one Prefix PDU per VRP (announce), End of Data: the answer to a Reset Query. */
export function encodeRtrFullResponse(
  vrps: Iterable<Vrp>,
  opts: { version: 0 | 1; session: number; serial: number; timers?: RtrTimers },
): Uint8Array {
  const w = new ByteWriter();
  const v = opts.version;
  w.u8(v).u8(RTR_CACHE_RESPONSE).u16(opts.session).u32(8);
  for (const vrp of vrps) {
    const six = vrp.prefix.family === 6;
    w.u8(v)
      .u8(six ? RTR_IPV6_PREFIX : RTR_IPV4_PREFIX)
      .u16(0)
      .u32(six ? 32 : 20);
    w.u8(1).u8(vrp.prefix.len).u8(vrp.maxLength).u8(0).bytes(vrp.prefix.addr).u32(vrp.asn);
  }
  encodeEndOfData(w, opts.version, opts.session, opts.serial, opts.timers ?? DEFAULT_TIMERS);
  return w.finish();
}

/** The answer to a Serial Query for the current serial: no changes. */
export function encodeRtrNoChanges(opts: { version: 0 | 1; session: number; serial: number; timers?: RtrTimers }) {
  const w = new ByteWriter();
  w.u8(opts.version).u8(RTR_CACHE_RESPONSE).u16(opts.session).u32(8);
  encodeEndOfData(w, opts.version, opts.session, opts.serial, opts.timers ?? DEFAULT_TIMERS);
  return w.finish();
}

/** Cache Reset: the router must send a Reset Query (serial unknown to this cache). */
export function encodeRtrCacheReset(version: 0 | 1): Uint8Array {
  return new ByteWriter().u8(version).u8(RTR_CACHE_RESET).u16(0).u32(8).finish();
}

function encodeEndOfData(w: ByteWriter, version: 0 | 1, session: number, serial: number, t: RtrTimers): void {
  if (version === 0) {
    w.u8(0).u8(RTR_END_OF_DATA).u16(session).u32(12).u32(serial);
  } else {
    w.u8(1).u8(RTR_END_OF_DATA).u16(session).u32(24).u32(serial).u32(t.refresh).u32(t.retry).u32(t.expire);
  }
}
