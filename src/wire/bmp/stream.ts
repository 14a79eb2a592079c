// Framing of a BMP byte stream (a TCP connection from a router): chunks in, whole messages out, in
// constant memory beyond the largest message. BMP has no marker, so after a header that cannot be right
// (version not 3, length out of range) the reader looks for the next plausible header and says how many
// bytes it skipped. Never throws.
import type { WireProblem } from '../bgp/types.js';
import { MAX_BMP_MESSAGE } from './decoder.js';
import { BMP_COMMON_HEADER, BMP_VERSION } from './types.js';

export interface BmpSink {
  /** One whole message: buf[start, end) (a view valid only during the call). `offset` is its stream offset. */
  message(buf: Uint8Array, start: number, end: number, offset: number): void;
  problem?(p: WireProblem): void;
}

function plausible(buf: Uint8Array, p: number): boolean {
  if (buf[p] !== BMP_VERSION) return false;
  const len = ((buf[p + 1]! << 24) | (buf[p + 2]! << 16) | (buf[p + 3]! << 8) | buf[p + 4]!) >>> 0;
  return len >= BMP_COMMON_HEADER && len <= MAX_BMP_MESSAGE && buf[p + 5]! <= 6;
}

export class BmpStreamReader {
  private pending: Uint8Array = new Uint8Array(0);
  /** Stream offset of pending[0]. */
  private base = 0;

  get position(): number {
    return this.base + this.pending.length;
  }

  push(chunk: Uint8Array, sink: BmpSink): void {
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    let p = 0;
    while (buf.length - p >= BMP_COMMON_HEADER) {
      if (!plausible(buf, p)) {
        let q = p + 1;
        while (q + BMP_COMMON_HEADER <= buf.length && !plausible(buf, q)) q++;
        sink.problem?.({
          action: 'none',
          code: 'E_BMP_RESYNC',
          message: `no BMP header at stream offset ${this.base + p}; skipped ${q - p} bytes`,
          offset: this.base + p,
        });
        p = q;
        continue;
      }
      const len = ((buf[p + 1]! << 24) | (buf[p + 2]! << 16) | (buf[p + 3]! << 8) | buf[p + 4]!) >>> 0;
      if (buf.length - p < len) break;
      sink.message(buf, p, p + len, this.base + p);
      p += len;
    }
    this.base += p;
    // Keep the unfinished tail as a copy: `chunk` belongs to the caller.
    this.pending = p === buf.length ? new Uint8Array(0) : buf.slice(p);
  }

  /** The stream ended: report an unfinished message. */
  end(sink: BmpSink): void {
    if (this.pending.length > 0) {
      sink.problem?.({
        action: 'none',
        code: 'E_BMP_SHORT',
        message: `the BMP stream ended inside a message: ${this.pending.length} bytes at stream offset ${this.base}`,
        offset: this.base,
      });
    }
    this.pending = new Uint8Array(0);
  }
}
