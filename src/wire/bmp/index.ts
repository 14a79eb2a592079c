// The BMP codec's public surface (RFC 7854, RFC 9069). See docs/monitor.md.
export * from './decoder.js';
export * from './encode.js';
export * from './stream.js';
export * from './types.js';
