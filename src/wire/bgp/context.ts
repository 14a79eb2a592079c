// Building DecodeContexts: from explicit settings, or from the OPEN messages both sides sent.
import type { AfiSafi, DecodeContext } from './types.js';

export interface ContextOptions {
  as4?: boolean;
  /** Families whose NLRI carry path identifiers; `true` for every family (MRT *_ADDPATH records). */
  addPath?: readonly AfiSafi[] | boolean;
  extendedMessage?: boolean;
  mrtRib?: AfiSafi;
}

const never = (): boolean => false;
const always = (): boolean => true;

/** A DecodeContext; defaults: 4-byte AS, no add-path, no extended messages. */
export function decodeContext(o: ContextOptions = {}): DecodeContext {
  let addPath: (afi: number, safi: number) => boolean = never;
  if (o.addPath === true) addPath = always;
  else if (Array.isArray(o.addPath) && o.addPath.length > 0) {
    const set = new Set(o.addPath.map((f) => (f.afi << 8) | f.safi));
    addPath = (afi, safi) => set.has((afi << 8) | safi);
  }
  const ctx: DecodeContext = { as4: o.as4 ?? true, addPath, extendedMessage: o.extendedMessage ?? false };
  if (o.mrtRib) ctx.mrtRib = o.mrtRib;
  return ctx;
}
