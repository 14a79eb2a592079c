// The live feeds over real sockets on loopback: a BMP session (Initiation, Peer Up with add-path OPENs,
// Route Monitoring, Peer Down) into the station; a BGP speaker into the collector (OPEN exchange, 4-byte AS,
// add-path, RFC 7606 on a bad attribute, NOTIFICATION on a broken header); RIS Live from a local ws server
// that drops the connection (the client reconnects and subscribes again).
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { parseAddress, parsePrefix } from '../../lib/prefix.js';
import { decodeContext, decodeMessage, encodeMessage, type OpenMessage } from '../../wire/bgp/index.js';
import {
  encodeInitiation,
  encodePeerDown,
  encodePeerUp,
  encodeRouteMonitoring,
  textTlv,
} from '../../wire/bmp/index.js';
import type { AlertRecord } from '../alerts.js';
import { parsePrefixesYml } from '../config.js';
import { Monitor } from '../monitor.js';
import { RisFeed } from '../ris.js';
import { BgpCollector } from './bgp-collector.js';
import { BmpStation } from './bmp-station.js';
import { RisLiveClient } from './ris-live.js';

const WATCH = parsePrefixesYml('203.0.113.0/24:\n  asn: 64500\n  description: web\n  ignoreMorespecifics: false\n');
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function setup() {
  const alerts: AlertRecord[] = [];
  const m = new Monitor({
    asns: [64500],
    watch: WATCH,
    visibility: { min_peers_fraction: 0.8, fade_off_s: 0 },
    onAlert: (a) => alerts.push(a),
  });
  return { m, alerts };
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

const open = (asn: number, addPathSend: boolean): OpenMessage => ({
  type: 1,
  version: 4,
  myAs: asn > 0xffff ? 23456 : asn,
  holdTime: 90,
  bgpId: parseAddress('192.0.2.9').addr,
  params: [
    {
      type: 2,
      capabilities: [
        { code: 1, afi: 1, reserved: 0, safi: 1 },
        { code: 65, asn },
        ...(addPathSend ? [{ code: 69 as const, families: [{ afi: 1, safi: 1, sendReceive: 3 }] }] : []),
      ],
    },
  ],
});

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
    cleanup.push(() => s.destroy());
  });
}

describe('BMP station', () => {
  it('follows Peer Up, Route Monitoring (add-path from the OPENs) and Peer Down from a router', async () => {
    const { m, alerts } = setup();
    const st = new BmpStation(m);
    await st.start('127.0.0.1:18501');
    cleanup.push(() => st.close());
    const s = await tcp(18501);
    const ctx = decodeContext({ as4: true });
    const addPathCtx = decodeContext({ as4: true, addPath: [{ afi: 1, safi: 1 }] });
    const peers = [1, 2].map((i) => ({
      address: parseAddress(`198.51.100.${i}`).addr,
      asn: 64510 + i,
      bgpId: parseAddress(`198.51.100.${i}`).addr,
      flags: 0x40,
    }));
    s.write(encodeInitiation([textTlv(2, 'edge1')]));
    for (const p of peers) {
      s.write(
        encodePeerUp(
          p,
          { address: parseAddress('198.51.100.100').addr, port: 179, remotePort: 40000 },
          encodeMessage(open(64500, true), ctx),
          encodeMessage(open(p.asn, true), ctx),
        ),
      );
      // add-path negotiated both ways: the NLRI carry a path id
      const u = {
        type: 2 as const,
        withdrawn: [],
        attrs: { origin: 0, asPath: [{ type: 2 as const, asns: [p.asn, 64500] }], nextHop: p.address },
        nlri: [{ prefix: parsePrefix('203.0.113.0/24'), pathId: 7 }],
      };
      s.write(encodeRouteMonitoring(p, encodeMessage(u, addPathCtx)));
    }
    await until(() => m.visibility(parsePrefix('203.0.113.0/24'))?.now === 2);
    expect(m.routesFor(parsePrefix('203.0.113.0/24')).map((r) => r.path)).toEqual([
      [64511, 64500],
      [64512, 64500],
    ]);
    const w = {
      type: 2 as const,
      withdrawn: [{ prefix: parsePrefix('203.0.113.0/24'), pathId: 7 }],
      attrs: {},
      nlri: [],
    };
    s.write(encodeRouteMonitoring(peers[0]!, encodeMessage(w, addPathCtx)));
    await until(() => alerts.length === 1);
    expect(alerts[0]).toMatchObject({ rule: 'visibility-loss', prefix: '203.0.113.0/24' });
    expect(alerts[0]!.peers[0]).toMatch(/^bmp:127\.0\.0\.1 198\.51\.100\.1 AS64511 adj-rib-in-post$/);
    s.write(
      encodeRouteMonitoring(
        peers[0]!,
        encodeMessage(
          {
            ...w,
            withdrawn: [],
            attrs: { origin: 0, asPath: [{ type: 2, asns: [64511, 64500] }], nextHop: peers[0]!.address },
            nlri: [{ prefix: parsePrefix('203.0.113.0/24'), pathId: 7 }],
          },
          addPathCtx,
        ),
      ),
    );
    await until(() => alerts.length === 2);
    expect(alerts[1]).toMatchObject({ rule: 'visibility-loss', resolved: true });
    s.write(encodePeerDown(peers[1]!, 4));
    await until(() => m.routesFor(parsePrefix('203.0.113.0/24')).length === 1);
    expect(st.counters.messages).toBe(8);
    expect(st.counters.problems).toBe(0);
  });
});

/** A minimal BGP speaker: collects the messages the collector sends. */
async function speaker(port: number) {
  const s = await tcp(port);
  const got: { type: number; code?: number; subcode?: number }[] = [];
  let buf = Buffer.alloc(0);
  s.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 19 && buf.length >= buf.readUInt16BE(16)) {
      const r = decodeMessage(buf, decodeContext(), 0, buf.readUInt16BE(16));
      const msg = r.message as { type: number; code?: number; subcode?: number };
      got.push({ type: msg.type, ...('code' in msg ? { code: msg.code, subcode: msg.subcode } : {}) });
      buf = buf.subarray(buf.readUInt16BE(16));
    }
  });
  const closed = new Promise<void>((r) => s.on('close', () => r()));
  return { s, got, closed };
}

describe('BGP collector', () => {
  it('establishes with a 4-byte AS, add-path speaker, applies RFC 7606, and resets on a broken header', async () => {
    const { m } = setup();
    const col = new BgpCollector(m, { asn: 64512, routerId: '192.0.2.254' });
    await col.start('127.0.0.1:18502');
    cleanup.push(() => col.close());
    const sp = await speaker(18502);
    const ctx = decodeContext({ as4: true });
    sp.s.write(encodeMessage(open(4200000001, true), ctx));
    await until(() => sp.got.length >= 2);
    expect(sp.got.slice(0, 2).map((g) => g.type)).toEqual([1, 4]);
    sp.s.write(encodeMessage({ type: 4 }, ctx));
    const ap = decodeContext({ as4: true, addPath: [{ afi: 1, safi: 1 }] });
    const u = (path: number[]) => ({
      type: 2 as const,
      withdrawn: [],
      attrs: { origin: 0, asPath: [{ type: 2 as const, asns: path }], nextHop: parseAddress('192.0.2.9').addr },
      nlri: [
        { prefix: parsePrefix('203.0.113.0/24'), pathId: 1 },
        { prefix: parsePrefix('203.0.113.0/24'), pathId: 2 },
      ],
    });
    sp.s.write(encodeMessage(u([4200000001, 64500]), ap));
    await until(() => m.routesFor(parsePrefix('203.0.113.0/24')).length === 1);
    expect(m.routesFor(parsePrefix('203.0.113.0/24'))[0]).toMatchObject({
      peer: 'bgp:127.0.0.1 AS4200000001',
      path: [4200000001, 64500],
    });
    // ORIGIN with a bad value: RFC 7606 treat-as-withdraw, the session stays up.
    const bad = Buffer.from(encodeMessage(u([4200000001, 64500]), ap));
    const originAt = bad.indexOf(Buffer.from([0x40, 0x01, 0x01, 0x00]));
    bad[originAt + 3] = 7;
    sp.s.write(bad);
    await until(() => m.routesFor(parsePrefix('203.0.113.0/24')).length === 0);
    expect(col.counters.notifications).toBe(0);
    // A header with a bad marker: NOTIFICATION (1, 1) and close.
    const broken = Buffer.from(encodeMessage({ type: 4 }, ctx));
    broken[0] = 0;
    sp.s.write(broken);
    await sp.closed;
    expect(sp.got.at(-1)).toEqual({ type: 3, code: 1, subcode: 1 });
    expect(col.counters.established).toBe(1);
  });
});

describe('RIS Live client', () => {
  it('subscribes, feeds ris_message frames to the monitor, reconnects and subscribes again', async () => {
    const { m, alerts } = setup();
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 18503 });
    cleanup.push(() => {
      for (const c of wss.clients) c.terminate();
      return new Promise((r) => wss.close(() => r(undefined)));
    });
    const subs: string[][] = [];
    let conns = 0;
    wss.on('connection', (ws) => {
      const mine: string[] = [];
      subs.push(mine);
      conns++;
      ws.on('message', (d) => {
        mine.push(d.toString());
        if (mine.length < 2) return;
        const path = conns === 1 ? [64510, 64500] : [64510, 64666];
        ws.send(
          JSON.stringify({
            type: 'ris_message',
            data: {
              timestamp: 1700000000 + conns,
              peer: '192.0.2.1',
              peer_asn: '64510',
              host: 'rrc00',
              type: 'UPDATE',
              path,
              announcements: [{ next_hop: '192.0.2.1', prefixes: ['203.0.113.0/24'] }],
            },
          }),
        );
        if (conns === 1) setTimeout(() => ws.terminate(), 50);
      });
    });
    const feed = new RisFeed(m);
    const client = new RisLiveClient(
      feed,
      'ws://127.0.0.1:18503/v1/ws/',
      RisFeed.subscriptions(['203.0.113.0/24'], [64500]),
      200,
    );
    cleanup.push(() => client.close());
    client.start();
    await until(() => alerts.some((a) => a.rule === 'origin-hijack'), 5000);
    expect(client.connects).toBe(2);
    expect(subs.map((s) => s.map((x) => JSON.parse(x).data))).toEqual([
      [
        { type: 'UPDATE', prefix: '203.0.113.0/24', moreSpecific: true, lessSpecific: true },
        { type: 'UPDATE', path: '64500' },
      ],
      [
        { type: 'UPDATE', prefix: '203.0.113.0/24', moreSpecific: true, lessSpecific: true },
        { type: 'UPDATE', path: '64500' },
      ],
    ]);
    const hijack = alerts.filter((a) => a.rule === 'origin-hijack');
    expect(hijack[0]).toMatchObject({
      rule: 'origin-hijack',
      origin_as: 64666,
      time: new Date(1700000002000).toISOString(),
      peers: ['ris:rrc00 192.0.2.1 AS64510'],
    });
    feed.line(
      '{"type":"ris_message","data":{"type":"UPDATE","peer":"192.0.2.1","peer_asn":"64510","host":"rrc00","timestamp":1700000009,"withdrawals":["203.0.113.0/24"]}}',
    );
    expect(alerts.filter((a) => a.rule === 'origin-hijack')[1]).toMatchObject({ resolved: true });
    feed.line('not json');
    expect(feed.counters.malformed).toBe(1);
  });
});
