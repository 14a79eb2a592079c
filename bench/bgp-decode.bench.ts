// Decode-only throughput of the BGP codec: UPDATE messages/s and prefixes/s over the real UPDATEs of
// updates.et-header.2015.gz (RIPE RIS, BGP4MP_ET). A tiny MRT header walk here extracts the BGP messages
// (so this benchmark measures the BGP codec alone, not the MRT reader); decoding runs over the extracted
// messages in memory, best of several rounds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeContext } from '../src/wire/bgp/context.js';
import { decodeMessage } from '../src/wire/bgp/messages.js';
import type { DecodeContext, UpdateMessage } from '../src/wire/bgp/types.js';
import { type Bench, bestOf } from './harness.js';

const FILE = 'updates.et-header.2015.gz';

interface Msg {
  start: number;
  end: number;
  ctx: DecodeContext;
}

/** BGP4MP (16) and BGP4MP_ET (17) MESSAGE records: where each BGP message starts and ends in `buf`. */
function extract(buf: Uint8Array): Msg[] {
  const ctx2 = decodeContext({ as4: false });
  const ctx4 = decodeContext({ as4: true });
  const ctx4ap = decodeContext({ as4: true, addPath: true });
  const ctx2ap = decodeContext({ as4: false, addPath: true });
  const out: Msg[] = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  while (p + 12 <= buf.length) {
    const type = dv.getUint16(p + 4);
    const subtype = dv.getUint16(p + 6);
    const len = dv.getUint32(p + 8);
    let q = p + 12;
    const end = q + len;
    if (end > buf.length) break;
    if (type === 17) q += 4; // microseconds
    if (type === 16 || type === 17) {
      // MESSAGE 1, MESSAGE_AS4 4, LOCAL 6, LOCAL_AS4 7, and their ADDPATH forms 8, 9, 10, 11.
      const as4 = subtype === 4 || subtype === 7 || subtype === 9 || subtype === 11;
      const addPath = subtype >= 8 && subtype <= 11;
      const isMessage = [1, 4, 6, 7, 8, 9, 10, 11].includes(subtype);
      if (isMessage) {
        q += as4 ? 8 : 4; // peer AS, local AS
        q += 2; // interface index
        const afi = dv.getUint16(q);
        q += 2 + (afi === 2 ? 32 : 8); // peer and local address
        if (q + 19 <= end && buf[q + 18] === 2) {
          out.push({ start: q, end, ctx: as4 ? (addPath ? ctx4ap : ctx4) : addPath ? ctx2ap : ctx2 });
        }
      }
    }
    p = end;
  }
  return out;
}

const bench: Bench = async (ctx) => {
  const { corpusPath } = await import('../src/testing/env.js');
  const path = corpusPath('mrt', 'bgpdump', 'test_data', FILE);
  if (!path) throw new Error(`corpus file mrt/bgpdump/test_data/${FILE} is absent`);
  const buf = new Uint8Array(gunzipSync(readFileSync(path)));
  const msgs = extract(buf);
  let prefixes = 0;
  let problems = 0;
  for (const m of msgs) {
    const r = decodeMessage(buf, m.ctx, m.start, m.end);
    const u = r.message as UpdateMessage | undefined;
    if (r.action !== 'none') problems++;
    if (!u) continue;
    prefixes += u.nlri.length + u.withdrawn.length;
    prefixes += u.attrs.mpReach?.nlri?.length ?? 0;
    prefixes += u.attrs.mpUnreach?.nlri?.length ?? 0;
  }
  ctx.log(
    `${join('mrt/bgpdump/test_data', FILE)}: ${msgs.length} UPDATEs, ${prefixes} prefixes, ${problems} with problems`,
  );
  let sink = 0;
  const seconds = bestOf(5, () => {
    for (const m of msgs) {
      const r = decodeMessage(buf, m.ctx, m.start, m.end);
      sink += r.length;
    }
  });
  if (sink === 0) throw new Error('nothing decoded');
  ctx.log(`best of 5: ${seconds.toFixed(3)} s`);
  return [
    {
      name: 'bgp.decode.updates_per_s',
      unit: 'UPDATE/s',
      value: Math.round(msgs.length / seconds),
      note: `${msgs.length} UPDATEs of ${FILE}, decode only (attributes, NLRI, MP_REACH/UNREACH), best of 5`,
    },
    {
      name: 'bgp.decode.prefixes_per_s',
      unit: 'prefixes/s',
      value: Math.round(prefixes / seconds),
      note: `${prefixes} announced + withdrawn prefixes in those UPDATEs`,
    },
  ];
};

export default bench;
