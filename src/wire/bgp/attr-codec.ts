// The shape of one entry of the attribute table (attributes.ts), shared with the MP_REACH/MP_UNREACH codec.
import type { ByteWriter } from '../../lib/bytes.js';
import type { DecodeContext, PathAttributes, Rfc7606Action, WireProblem } from './types.js';

/** State of one decodePathAttributes call, handed to each attribute's decoder. */
export interface AttrDecodeState {
  buf: Uint8Array;
  ctx: DecodeContext;
  attrs: PathAttributes;
  problems: WireProblem[];
}

/**
 * Decodes the value buf[p, p+len) into state.attrs. Returns null when well-formed, an error text when
 * malformed (reported with the codec's action), or false when the decoder reported the problem itself.
 */
export type AttrDecode = (s: AttrDecodeState, p: number, len: number) => string | null | false;
/** Writes the value of the attribute from attrs; returns false when attrs does not hold it. */
export type AttrEncode = (w: ByteWriter, attrs: PathAttributes, ctx: DecodeContext) => boolean;

export interface AttrCodec {
  name: string;
  /** Expected optional and transitive bits (0x40 well-known, 0xc0 optional transitive, 0x80 optional non-transitive). */
  flags: number;
  /** RFC 7606 action when the value or flags are malformed. */
  malformed: Rfc7606Action;
  decode: AttrDecode;
  encode: AttrEncode;
}
