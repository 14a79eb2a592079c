// The BGP codec's public surface. See docs/wire-bgp.md.
export * from './as-path.js';
export {
  ATTR,
  ATTRIBUTE_CODECS,
  attributeName,
  decodePathAttributes,
  encodePathAttributes,
  FLAG_EXTENDED,
  FLAG_OPTIONAL,
  FLAG_PARTIAL,
  FLAG_TRANSITIVE,
  worstAction,
  writePathAttributes,
} from './attributes.js';
export * from './context.js';
export { decodeLabeledNlri, isLabeledFamily, type LabeledNlri, SAFI_LABELED, SAFI_VPN } from './labeled.js';
export * from './messages.js';
export { ipFamily } from './mp.js';
export { decodeNlri, writeNlri } from './nlri.js';
export { CAP, capabilities } from './open.js';
export * from './types.js';
