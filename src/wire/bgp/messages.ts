// BGP messages (RFC 4271 §4): header framing (marker, length limits of 4096, or 65535 with RFC 8654
// extended messages), UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH (RFC 2918, RFC 7313), with OPEN in
// open.ts. Decoding never throws; encoding throws FailsmallError E_BGP_ENCODE when a message does not fit.
import { ByteWriter } from '../../lib/bytes.js';
import { FailsmallError } from '../../lib/errors.js';
import { decodePathAttributes, worstAction, writePathAttributes } from './attributes.js';
import { readNlri, writeNlri } from './nlri.js';
import { decodeOpenBody, writeOpenBody } from './open.js';
import type {
  BgpMessage,
  DecodeContext,
  MessageResult,
  Nlri,
  PathAttributes,
  Rfc7606Action,
  UpdateMessage,
  WireProblem,
} from './types.js';

export const HEADER_LENGTH = 19;
export const MAX_MESSAGE = 4096;
export const MAX_EXTENDED_MESSAGE = 65535;

/** Smallest length of each message type, header included. */
const MIN_LENGTH: Readonly<Record<number, number>> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };

export interface DecodeMessageOptions {
  /**
   * Check the 16-byte marker (default true). Off, the body is decoded whatever the marker holds: useful for
   * fuzzer corpora and captures where the marker was not kept.
   */
  checkMarker?: boolean;
}

function headerProblem(problems: WireProblem[], code: string, message: string, offset: number, sub: number): void {
  problems.push({ action: 'session-reset', code, message, offset, notify: [1, sub] });
}

function result(problems: WireProblem[], length: number, message?: BgpMessage): MessageResult {
  const r: MessageResult = { problems, action: worstAction(problems), length };
  if (message) r.message = message;
  return r;
}

/**
 * Decodes one message starting at buf[start]; `end` bounds the input (default: the buffer's end). `length`
 * in the result is the header's length (skip it to reach the next message) or 0 when the header is unusable.
 * A message longer than the input is not decoded (length still says how much is needed).
 */
export function decodeMessage(
  buf: Uint8Array,
  ctx: DecodeContext,
  start = 0,
  end = buf.length,
  options: DecodeMessageOptions = {},
): MessageResult {
  const problems: WireProblem[] = [];
  end = Math.min(end, buf.length);
  if (!(start >= 0)) start = 0;
  if (end - start < HEADER_LENGTH) {
    headerProblem(
      problems,
      'E_BGP_LENGTH',
      `a BGP header needs 19 bytes at offset ${start}, ${end - start} left`,
      start,
      2,
    );
    return result(problems, 0);
  }
  if (options.checkMarker !== false) {
    for (let i = 0; i < 16; i++) {
      if (buf[start + i] !== 0xff) {
        headerProblem(problems, 'E_BGP_MARKER', `BGP marker at offset ${start} is not 16 bytes of 0xff`, start, 1);
        break;
      }
    }
  }
  const length = (buf[start + 16]! << 8) | buf[start + 17]!;
  const type = buf[start + 18]!;
  const max = ctx.extendedMessage && type !== 1 && type !== 4 ? MAX_EXTENDED_MESSAGE : MAX_MESSAGE;
  if (length < HEADER_LENGTH || length > max) {
    headerProblem(
      problems,
      'E_BGP_LENGTH',
      `BGP message length ${length} at offset ${start + 16} is not 19-${max}`,
      start + 16,
      2,
    );
    return result(problems, 0);
  }
  if (length > end - start) {
    headerProblem(
      problems,
      'E_BGP_LENGTH',
      `BGP message at offset ${start} has length ${length}, only ${end - start} bytes present`,
      start + 16,
      2,
    );
    return result(problems, length);
  }
  const minLen = MIN_LENGTH[type];
  if (minLen === undefined) {
    headerProblem(problems, 'E_BGP_TYPE', `BGP message type ${type} at offset ${start + 18} is not 1-5`, start + 18, 3);
    return result(problems, length, { type, body: buf.slice(start + HEADER_LENGTH, start + length) });
  }
  if (length < minLen || (type === 4 && length !== 19)) {
    headerProblem(problems, 'E_BGP_LENGTH', `a type ${type} message cannot be ${length} bytes long`, start + 16, 2);
    return result(problems, length);
  }
  const b = start + HEADER_LENGTH;
  const e = start + length;
  let message: BgpMessage;
  switch (type) {
    case 1:
      message = decodeOpenBody(buf, b, e, problems);
      break;
    case 2:
      message = decodeUpdateInto(buf, b, e, ctx, problems);
      break;
    case 3:
      message = { type: 3, code: buf[b]!, subcode: buf[b + 1]!, data: buf.slice(b + 2, e) };
      break;
    case 4:
      message = { type: 4 };
      break;
    default: {
      const rr: BgpMessage = { type: 5, afi: (buf[b]! << 8) | buf[b + 1]!, subtype: buf[b + 2]!, safi: buf[b + 3]! };
      if (e > b + 4) rr.data = buf.slice(b + 4, e);
      message = rr;
    }
  }
  return result(problems, length, message);
}

/** Decodes an UPDATE body buf[start, end) (the bytes after the 19-byte header). Never throws. */
export function decodeUpdateBody(
  buf: Uint8Array,
  start: number,
  end: number,
  ctx: DecodeContext,
): { message: UpdateMessage; problems: WireProblem[]; action: Rfc7606Action } {
  const problems: WireProblem[] = [];
  const message = decodeUpdateInto(buf, start, Math.min(end, buf.length), ctx, problems);
  return { message, problems, action: worstAction(problems) };
}

function updateLength(problems: WireProblem[], message: string, offset: number): void {
  problems.push({ action: 'session-reset', code: 'E_BGP_UPDATE_LENGTH', message, offset, notify: [3, 1] });
}

function decodeUpdateInto(
  buf: Uint8Array,
  start: number,
  end: number,
  ctx: DecodeContext,
  problems: WireProblem[],
): UpdateMessage {
  const withdrawn: Nlri[] = [];
  const nlri: Nlri[] = [];
  const msg: UpdateMessage = { type: 2, withdrawn, attrs: {}, nlri };
  if (end - start < 4) {
    updateLength(problems, `an UPDATE body needs 4 bytes at offset ${start}, ${end - start} present`, start);
    return msg;
  }
  const wl = (buf[start]! << 8) | buf[start + 1]!;
  const wEnd = start + 2 + wl;
  if (wEnd + 2 > end) {
    updateLength(problems, `withdrawn routes length ${wl} at offset ${start} runs past the UPDATE`, start);
    return msg;
  }
  const addPath4 = ctx.addPath(1, 1);
  readNlri(buf, start + 2, wEnd, 4, addPath4, withdrawn, problems);
  const al = (buf[wEnd]! << 8) | buf[wEnd + 1]!;
  const aStart = wEnd + 2;
  if (aStart + al > end) {
    updateLength(problems, `path attributes length ${al} at offset ${wEnd} runs past the UPDATE`, wEnd);
    return msg;
  }
  if (al > 0) {
    const r = decodePathAttributes(buf, aStart, aStart + al, ctx);
    msg.attrs = r.attrs;
    for (const p of r.problems) problems.push(p);
  }
  readNlri(buf, aStart + al, end, 4, addPath4, nlri, problems);
  checkMandatory(msg.attrs, nlri.length > 0, aStart, problems);
  return msg;
}

/**
 * RFC 4271 §5 / RFC 7606 §3(d): an UPDATE that announces routes needs ORIGIN and AS_PATH, and NEXT_HOP when
 * it carries IPv4 NLRI in the classic field. A missing one makes the UPDATE treat-as-withdraw.
 */
export function checkMandatory(
  attrs: PathAttributes,
  hasClassicNlri: boolean,
  offset: number,
  problems: WireProblem[],
): void {
  const mpNlri = attrs.mpReach !== undefined && (attrs.mpReach.nlri?.length ?? attrs.mpReach.nlriBytes.length) > 0;
  if (!hasClassicNlri && !mpNlri) return;
  const missing: [number, string][] = [];
  if (attrs.origin === undefined) missing.push([1, 'ORIGIN']);
  if (attrs.asPath === undefined) missing.push([2, 'AS_PATH']);
  if (hasClassicNlri && attrs.nextHop === undefined) missing.push([3, 'NEXT_HOP']);
  for (const [t, name] of missing) {
    problems.push({
      action: 'treat-as-withdraw',
      code: 'E_BGP_ATTR_MISSING',
      message: `UPDATE announces routes but has no (valid) ${name}`,
      offset,
      attrType: t,
      notify: [3, 3],
    });
  }
}

/** Encodes a message with its header. Throws E_BGP_ENCODE when it is longer than the context allows. */
export function encodeMessage(m: BgpMessage, ctx: DecodeContext): Uint8Array {
  const w = new ByteWriter(m.type === 2 ? 512 : 64);
  for (let i = 0; i < 16; i++) w.u8(0xff);
  const lenAt = w.reserve(2);
  w.u8(m.type);
  if ('version' in m) writeOpenBody(w, m);
  else if ('withdrawn' in m) writeUpdateBody(w, m, ctx);
  else if ('subcode' in m) w.u8(m.code).u8(m.subcode).bytes(m.data);
  else if ('afi' in m) {
    w.u16(m.afi).u8(m.subtype).u8(m.safi);
    if (m.data) w.bytes(m.data);
  } else if ('body' in m) w.bytes(m.body);
  const max = ctx.extendedMessage && m.type !== 1 && m.type !== 4 ? MAX_EXTENDED_MESSAGE : MAX_MESSAGE;
  if (w.length > max) {
    throw new FailsmallError('E_BGP_ENCODE', `a type ${m.type} message of ${w.length} bytes is over ${max}`, {
      length: w.length,
      max,
    });
  }
  w.setU16(lenAt, w.length);
  return w.finish();
}

function writeUpdateBody(w: ByteWriter, m: UpdateMessage, ctx: DecodeContext): void {
  const addPath4 = ctx.addPath(1, 1);
  const wAt = w.reserve(2);
  const ws = w.length;
  writeNlri(w, m.withdrawn, addPath4);
  w.setU16(wAt, w.length - ws);
  const aAt = w.reserve(2);
  const as = w.length;
  writePathAttributes(w, m.attrs, ctx);
  w.setU16(aAt, w.length - as);
  writeNlri(w, m.nlri, addPath4);
}
