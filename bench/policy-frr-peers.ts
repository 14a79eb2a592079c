// The BGP peers of the FRR side-by-side (bench/policy-frr.bench.ts), run as a child process inside the
// benchmark's network namespace (node cannot enter a namespace itself): feed sessions that stream packed
// UPDATEs prepared by the bench, and receiving sessions that only count prefixes. Sessions speak BGP through
// failsmall's codec (OPEN, KEEPALIVE, NOTIFICATION via src/wire/bgp); the receivers walk UPDATE NLRI by hand
// because 20 sessions x 1.1M prefixes through the full decoder (objects per prefix) would make the receiver,
// not bgpd, the bottleneck. Each receiver keeps one bit per table prefix (a 1.1M-byte array, not 1.1M
// strings), so re-announcements are not counted twice and withdrawals count down.
//
// Protocol with the bench: argv[2] is the plan directory (plan.json, feed files, prefixes.bin). Status lines
// (JSON) on stdout every 200 ms; commands on stdin: "feed" starts every feed at once, "quit" closes all.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CAP, type Capability, decodeContext, encodeMessage } from '../src/wire/bgp/index.js';

export interface PeerPlan {
  name: string;
  /** Local address (the session is opened from it to the router). */
  local: string;
  router: string;
  as: number;
  routerId: string;
  families: (4 | 6)[];
  /** Feed sessions: the file of packed UPDATE messages to send once "feed" is given. */
  feed?: string;
}

export interface Plan {
  peers: PeerPlan[];
  /** Every table prefix as NLRI bytes (family byte, length byte, address bytes), in index order. */
  prefixes: string;
}

export interface PeerStatus {
  name: string;
  state: 'connecting' | 'open-sent' | 'established' | 'closed';
  /** Prefixes currently announced to this peer (receivers). */
  count: number;
  /** Epoch ms of the last UPDATE that carried a prefix (announced or withdrawn). */
  lastUpdate: number;
  /** UPDATEs with at least one prefix, and prefixes seen that are not in the table. */
  updates: number;
  unknown: number;
  /** Feed sessions: bytes written and when the last of them reached the kernel. */
  fedBytes?: number;
  fedAt?: number;
  error?: string;
}

export interface Status {
  t: number;
  feedStart: number;
  peers: PeerStatus[];
  cpuSeconds: number;
}

const now = () => performance.timeOrigin + performance.now();

/** Map from NLRI to table index. IPv4: a number (address * 64 + length); IPv6: a short string. */
class PrefixIndex {
  readonly v4 = new Map<number, number>();
  readonly v6 = new Map<string, number>();
  size = 0;
  constructor(bytes: Uint8Array) {
    let i = 0;
    while (i < bytes.length) {
      const fam = bytes[i]!;
      const len = bytes[i + 1]!;
      const n = (len + 7) >> 3;
      if (fam === 4) this.v4.set(v4Key(bytes, i + 2, len), this.size++);
      else this.v6.set(v6Key(bytes, i + 2, len), this.size++);
      i += 2 + n;
    }
  }
}

function v4Key(b: Uint8Array, at: number, len: number): number {
  let a = 0;
  const n = (len + 7) >> 3;
  for (let k = 0; k < 4; k++) a = a * 256 + (k < n ? b[at + k]! : 0);
  return a * 64 + len;
}

function v6Key(b: Uint8Array, at: number, len: number): string {
  const n = (len + 7) >> 3;
  let s = String.fromCharCode(len);
  for (let k = 0; k < n; k++) s += String.fromCharCode(b[at + k]!);
  return s;
}

const plain = decodeContext({ as4: true });

function openMessage(p: PeerPlan, extended: boolean): Uint8Array {
  const caps: Capability[] = p.families.map((f) => ({ code: 1, afi: f === 4 ? 1 : 2, reserved: 0, safi: 1 }));
  caps.push({ code: CAP.ROUTE_REFRESH }, { code: CAP.AS4, asn: p.as });
  if (extended) caps.push({ code: CAP.EXTENDED_MESSAGE });
  const bgpId = new Uint8Array(p.routerId.split('.').map(Number));
  // Hold time 0: no keepalives to miss while either side is busy with a full table on a loaded machine.
  return encodeMessage(
    {
      type: 1,
      version: 4,
      myAs: p.as > 0xffff ? 23456 : p.as,
      holdTime: 0,
      bgpId,
      params: [{ type: 2, capabilities: caps }],
    },
    plain,
  );
}

/** One session: OPEN/KEEPALIVE handshake, then counting (receiver) or streaming (feed). */
class Peer {
  readonly status: PeerStatus;
  private socket: Socket | undefined;
  private buf: Uint8Array = new Uint8Array(0);
  private readonly bits: Uint8Array;

  constructor(
    readonly plan: PeerPlan,
    private readonly index: PrefixIndex,
  ) {
    this.status = { name: plan.name, state: 'connecting', count: 0, lastUpdate: 0, updates: 0, unknown: 0 };
    this.bits = new Uint8Array(plan.feed ? 0 : index.size);
  }

  start(): void {
    const s = connect({ host: this.plan.router, port: 179, localAddress: this.plan.local });
    this.socket = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      s.write(openMessage(this.plan, !this.plan.feed));
      this.status.state = 'open-sent';
    });
    s.on('data', (d: Buffer) => this.data(d));
    s.on('error', (e) => {
      this.status.error = e.message;
    });
    s.on('close', () => {
      const wasUp = this.status.state === 'established';
      this.status.state = 'closed';
      // bgpd refuses a connection until its own start-up is done: retry until the session comes up once.
      if (!wasUp && !this.stopped) setTimeout(() => this.start(), 500);
    });
  }

  private stopped = false;
  stop(): void {
    this.stopped = true;
    this.socket?.destroy();
  }

  feed(file: string): void {
    const bytes = readFileSync(file);
    this.status.fedBytes = 0;
    this.socket!.write(bytes, () => {
      this.status.fedBytes = bytes.length;
      this.status.fedAt = now();
    });
  }

  private data(d: Buffer): void {
    let b: Uint8Array = d;
    if (this.buf.length > 0) {
      const j = new Uint8Array(this.buf.length + d.length);
      j.set(this.buf);
      j.set(d, this.buf.length);
      b = j;
    }
    let at = 0;
    while (b.length - at >= 19) {
      const len = (b[at + 16]! << 8) | b[at + 17]!;
      if (len < 19) {
        this.status.error = `bad message length ${len}`;
        this.socket?.destroy();
        return;
      }
      if (b.length - at < len) break;
      this.message(b, at, len);
      at += len;
    }
    this.buf = at === b.length ? new Uint8Array(0) : b.slice(at);
  }

  private message(b: Uint8Array, at: number, len: number): void {
    const type = b[at + 18]!;
    if (type === 1) {
      this.socket!.write(encodeMessage({ type: 4 }, plain));
    } else if (type === 4) {
      if (this.status.state !== 'established') this.status.state = 'established';
    } else if (type === 3) {
      this.status.error = `NOTIFICATION ${b[at + 19]}/${b[at + 20]}`;
    } else if (type === 2 && !this.plan.feed) {
      this.update(b, at + 19, at + len);
    }
  }

  /** Walks one UPDATE body: withdrawn routes, MP_REACH / MP_UNREACH, NLRI; sets and clears bits. */
  private update(b: Uint8Array, start: number, end: number): void {
    let touched = 0;
    const wlen = (b[start]! << 8) | b[start + 1]!;
    let i = start + 2;
    touched += this.walk(b, i, i + wlen, 4, false);
    i += wlen;
    const alen = (b[i]! << 8) | b[i + 1]!;
    i += 2;
    const aend = i + alen;
    while (i < aend) {
      const flags = b[i]!;
      const t = b[i + 1]!;
      const ext = (flags & 0x10) !== 0;
      const vlen = ext ? (b[i + 2]! << 8) | b[i + 3]! : b[i + 2]!;
      const v = i + (ext ? 4 : 3);
      if (t === 14) {
        const fam = b[v + 1] === 2 ? 6 : 4;
        const nh = b[v + 3]!;
        touched += this.walk(b, v + 4 + nh + 1, v + vlen, fam, true);
      } else if (t === 15) {
        const fam = b[v + 1] === 2 ? 6 : 4;
        touched += this.walk(b, v + 3, v + vlen, fam, false);
      }
      i = v + vlen;
    }
    touched += this.walk(b, aend, end, 4, true);
    if (touched > 0) {
      this.status.updates++;
      this.status.lastUpdate = now();
    }
  }

  private walk(b: Uint8Array, i: number, end: number, fam: 4 | 6, announce: boolean): number {
    let n = 0;
    while (i < end) {
      const len = b[i]!;
      const k = fam === 4 ? this.index.v4.get(v4Key(b, i + 1, len)) : this.index.v6.get(v6Key(b, i + 1, len));
      i += 1 + ((len + 7) >> 3);
      n++;
      if (k === undefined) {
        this.status.unknown++;
        continue;
      }
      if (announce && this.bits[k] === 0) {
        this.bits[k] = 1;
        this.status.count++;
      } else if (!announce && this.bits[k] === 1) {
        this.bits[k] = 0;
        this.status.count--;
      }
    }
    return n;
  }
}

function main(): void {
  const dir = process.argv[2]!;
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
  const index = new PrefixIndex(readFileSync(join(dir, plan.prefixes)));
  const peers = plan.peers.map((p) => new Peer(p, index));
  let feedStart = 0;
  for (const p of peers) p.start();
  const report = () => {
    const c = process.cpuUsage();
    const s: Status = { t: now(), feedStart, peers: peers.map((p) => p.status), cpuSeconds: (c.user + c.system) / 1e6 };
    process.stdout.write(`${JSON.stringify(s)}\n`);
  };
  const timer = setInterval(report, 200);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'feed') {
      feedStart = now();
      for (const p of peers) if (p.plan.feed) p.feed(join(dir, p.plan.feed));
    } else if (line === 'quit') {
      report();
      clearInterval(timer);
      for (const p of peers) p.stop();
      process.exit(0);
    }
  });
}

if (process.argv[1]?.endsWith('policy-frr-peers.ts')) main();
