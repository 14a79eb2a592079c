// Each notification channel against a local receiver: the webhook's HMAC-SHA256 header recomputed by the
// receiver, the Slack payload, RFC 5424 syslog over UDP and TCP (octet counting), the JSON-lines file; and
// the token bucket that limits channels (never stdout).
import { createHmac } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../alerts.js';
import { makeChannel, SIGNATURE_HEADER, syslogLine, TokenBucket } from './channels.js';

const made: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const ALERT: AlertRecord = {
  time: '2026-01-22T20:25:00.000Z',
  rule: 'own-leak',
  prefix: '2a03:2880:f10c::/48',
  origin_as: 32934,
  peers: ['mrt:2001:db8::1 AS3356'],
  paths: [[3356, 13335, 32934]],
  rfc7908_type: 4,
  message: 'AS13335 (ours) re-advertised …',
};
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function httpReceiver(port: number) {
  const got: { headers: Record<string, unknown>; body: string }[] = [];
  const srv = createHttp((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  cleanup.push(() => new Promise((r) => srv.close(r)));
  return new Promise<typeof got>((r) => srv.listen(port, '127.0.0.1', () => r(got)));
}

describe('channels', () => {
  it('webhook: the receiver recomputes the HMAC-SHA256 of the body with the shared secret', async () => {
    const got = await httpReceiver(18504);
    const ch = makeChannel({ type: 'webhook', url: 'http://127.0.0.1:18504/hook', secret: 's3cret' });
    await ch.send(ALERT);
    expect(ch.stats).toEqual({ sent: 1, limited: 0, failed: 0 });
    const { headers, body } = got[0]!;
    expect(JSON.parse(body)).toEqual(ALERT);
    expect(headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
    const wrong = makeChannel({ type: 'webhook', url: 'http://127.0.0.1:18504/hook', secret: 'other' });
    await wrong.send(ALERT);
    expect(got[1]!.headers[SIGNATURE_HEADER]).not.toBe(headers[SIGNATURE_HEADER]);
  });

  it('slack: a {text} payload naming rule, prefix and RFC 7908 type', async () => {
    const got = await httpReceiver(18506);
    await makeChannel({ type: 'slack', url: 'http://127.0.0.1:18506/services/x' }).send(ALERT);
    expect(JSON.parse(got[0]!.body).text).toMatch(/own-leak\* 2a03:2880:f10c::\/48 \(RFC 7908 type 4\)/);
  });

  it('syslog over UDP and TCP: RFC 5424 lines', async () => {
    const udp = createSocket('udp4');
    cleanup.push(() => udp.close());
    const lines: string[] = [];
    await new Promise<void>((r) => udp.bind(18505, '127.0.0.1', () => r()));
    udp.on('message', (m) => lines.push(m.toString()));
    const ch = makeChannel({ type: 'syslog', address: '127.0.0.1:18505' });
    cleanup.push(() => ch.close());
    await ch.send(ALERT);
    await ch.send({ ...ALERT, resolved: true });
    await new Promise((r) => setTimeout(r, 100));
    const re =
      /^<(\d+)>1 (\S+) (\S+) failsmall (\d+) own-leak \[failsmall@32473 rule="own-leak" prefix="2a03:2880:f10c::\/48"( resolved="true")?\] (\{.*\})$/;
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => re.exec(l));
    expect(a?.[1]).toBe('132');
    expect(b?.[1]).toBe('133');
    expect(a?.[2]).toBe(ALERT.time);
    expect(JSON.parse(a![6]!)).toEqual(ALERT);
    const tcpGot: Buffer[] = [];
    const srv = createTcp((s) => s.on('data', (d) => tcpGot.push(d)));
    cleanup.push(() => new Promise((r) => srv.close(r)));
    await new Promise<void>((r) => srv.listen(18507, '127.0.0.1', () => r()));
    await makeChannel({ type: 'syslog', address: '127.0.0.1:18507', protocol: 'tcp' }).send(ALERT);
    await new Promise((r) => setTimeout(r, 100));
    const framed = Buffer.concat(tcpGot).toString();
    const sp = framed.indexOf(' ');
    expect(Number(framed.slice(0, sp))).toBe(Buffer.byteLength(framed.slice(sp + 1)));
    expect(framed.slice(sp + 1)).toBe(syslogLine(ALERT));
  });

  it('file: one JSON line per alert', async () => {
    const path = join(tmp('fsm-ch-'), 'alerts.jsonl');
    const ch = makeChannel({ type: 'file', path });
    await ch.send(ALERT);
    await ch.send({ ...ALERT, resolved: true });
    expect(
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).resolved ?? false),
    ).toEqual([false, true]);
  });

  it('a channel is rate-limited by its token bucket; a failing receiver is counted, not thrown', async () => {
    const path = join(tmp('fsm-ch-'), 'alerts.jsonl');
    const ch = makeChannel({ type: 'file', path }, 3);
    for (let i = 0; i < 10; i++) await ch.send(ALERT);
    expect(ch.stats).toMatchObject({ sent: 3, limited: 7 });
    let t = 0;
    const b = new TokenBucket(60, () => t);
    for (let i = 0; i < 60; i++) expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    t = 1000;
    expect(b.take()).toBe(true);
    const dead = makeChannel({ type: 'webhook', url: 'http://127.0.0.1:18508/', secret: 'x' });
    await dead.send(ALERT);
    expect(dead.stats.failed).toBe(1);
  });
});
