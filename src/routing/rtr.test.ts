import { describe, expect, it } from 'vitest';
import { parsePrefix } from '../lib/prefix.js';
import {
  decodeRtrQueries,
  encodeRtrCacheReset,
  encodeRtrFullResponse,
  encodeRtrNoChanges,
  RTR_RESET_QUERY,
  RTR_SERIAL_QUERY,
} from './rtr.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('RTR PDUs (RFC 8210 / RFC 6810)', () => {
  const vrps = [
    { prefix: parsePrefix('192.0.2.0/24'), maxLength: 24, asn: 64496 },
    { prefix: parsePrefix('2001:db8::/32'), maxLength: 48, asn: 64497 },
  ];
  it('a full response: Cache Response, IPv4 and IPv6 Prefix PDUs, End of Data (version 1)', () => {
    const b = encodeRtrFullResponse(vrps, { version: 1, session: 0x1234, serial: 7 });
    expect(hex(b.subarray(0, 8))).toBe('0103123400000008');
    // IPv4 Prefix: flags 1 (announce), len 24, max 24, zero, 192.0.2.0, AS64496.
    expect(hex(b.subarray(8, 28))).toBe('0104000000000014' + '01181800' + 'c0000200' + '0000fbf0');
    // IPv6 Prefix: 32 bytes.
    expect(hex(b.subarray(28, 60))).toBe(
      '0106000000000020' + '01203000' + '20010db8000000000000000000000000' + '0000fbf1',
    );
    // End of Data v1: serial, refresh 3600, retry 600, expire 7200.
    expect(hex(b.subarray(60))).toBe('0107123400000018' + '00000007' + '00000e10' + '00000258' + '00001c20');
  });
  it('version 0 End of Data has only the serial; no-change and cache reset answers', () => {
    expect(hex(encodeRtrNoChanges({ version: 0, session: 1, serial: 9 }))).toBe(
      '0003000100000008' + '000700010000000c00000009',
    );
    expect(hex(encodeRtrCacheReset(1))).toBe('0108000000000008');
  });
  it('splits router queries, keeping a partial PDU for the next read', () => {
    const reset = Uint8Array.from(Buffer.from('0102000000000008', 'hex'));
    const serial = Uint8Array.from(Buffer.from('010112340000000c0000002a', 'hex'));
    const both = new Uint8Array([...reset, ...serial]);
    expect(decodeRtrQueries(both)).toEqual({
      queries: [
        { version: 1, type: RTR_RESET_QUERY, session: 0, length: 8 },
        { version: 1, type: RTR_SERIAL_QUERY, session: 0x1234, length: 12, serial: 42 },
      ],
      used: 20,
    });
    expect(decodeRtrQueries(both.subarray(0, 13))).toEqual({ queries: [expect.anything()], used: 8 });
    expect(decodeRtrQueries(Uint8Array.from(Buffer.from('0102000000000003', 'hex'))).bad).toMatch(/length 3/);
  });
});
