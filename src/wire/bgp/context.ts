// Building DecodeContexts: from explicit settings, or from the OPEN messages both sides sent.
import { capabilities } from './open.js';
import type { AfiSafi, Capability, DecodeContext, OpenMessage } from './types.js';

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

/**
 * The context for decoding what `remote` sends after both OPENs were exchanged: 4-byte AS and extended
 * messages when both announced them (RFC 6793, RFC 8654); add-path for the families where the remote
 * sends (2 or 3) and we receive (1 or 3) (RFC 7911 §4).
 */
export function contextFromOpens(local: OpenMessage, remote: OpenMessage): DecodeContext {
  const lc = capabilities(local);
  const rc = capabilities(remote);
  const has = (caps: Capability[], code: number) => caps.some((c) => c.code === code && !('raw' in c));
  const addPath: AfiSafi[] = [];
  const receives = new Set<number>();
  for (const c of lc) {
    if (c.code === 69 && 'families' in c && !('time' in c)) {
      for (const f of c.families) if (f.sendReceive & 1) receives.add((f.afi << 8) | f.safi);
    }
  }
  for (const c of rc) {
    if (c.code === 69 && 'families' in c && !('time' in c)) {
      for (const f of c.families) {
        if (f.sendReceive & 2 && receives.has((f.afi << 8) | f.safi)) addPath.push({ afi: f.afi, safi: f.safi });
      }
    }
  }
  return decodeContext({
    as4: has(lc, 65) && has(rc, 65),
    extendedMessage: has(lc, 6) && has(rc, 6),
    addPath,
  });
}
