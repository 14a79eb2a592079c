// Notification channels for alert lines: a JSON-lines file, a webhook signed with HMAC-SHA256, a
// Slack-compatible webhook, syslog (RFC 5424 over UDP, or TCP with octet counting, RFC 6587). Each channel
// has its own token bucket (rate_limit_per_minute): a flood of alerts cannot flood a pager, while stdout
// and --alerts (written by the caller) keep every line. Delivery failures are counted, never thrown.
import { createHmac } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { appendFileSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { FailsmallError } from '../../lib/errors.js';
import type { AlertRecord } from '../alerts.js';
import type { ChannelConfig } from '../config.js';

export const SIGNATURE_HEADER = 'x-failsmall-signature-256';

export interface Channel {
  readonly name: string;
  /** Queue an alert; resolves when delivered or dropped. */
  send(a: AlertRecord): Promise<void>;
  readonly stats: { sent: number; limited: number; failed: number };
  close(): void;
}

/** sha256=<hex> of the body with the shared secret: what a receiver recomputes to trust the webhook. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A token bucket: `perMinute` tokens, refilled continuously. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perMinute;
    this.last = now();
  }
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((t - this.last) / 60_000) * this.perMinute);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** RFC 5424 line: facility local0, warning for an open alert, notice when it resolves. */
export function syslogLine(a: AlertRecord, host = hostname()): string {
  const pri = 16 * 8 + (a.resolved ? 5 : 4);
  const esc = (s: string) => s.replace(/[\\"\]]/g, (c) => `\\${c}`);
  const sd = `[failsmall@32473 rule="${esc(a.rule)}" prefix="${esc(a.prefix)}"${a.resolved ? ' resolved="true"' : ''}]`;
  return `<${pri}>1 ${a.time} ${host || '-'} failsmall ${process.pid} ${a.rule} ${sd} ${JSON.stringify(a)}`;
}

function slackText(a: AlertRecord): string {
  const head = a.resolved ? ':white_check_mark: resolved' : ':rotating_light:';
  const type = a.rfc7908_type ? ` (RFC 7908 type ${a.rfc7908_type})` : '';
  return `${head} *${a.rule}* ${a.prefix}${type}: ${a.message}`;
}

function hostPort(address: string, where: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) throw new FailsmallError('E_MONITOR_CHANNEL', `${where}: "${address}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

export function makeChannel(c: ChannelConfig, perMinute = 30): Channel {
  const bucket = new TokenBucket(perMinute);
  const stats = { sent: 0, limited: 0, failed: 0 };
  let deliver: (a: AlertRecord) => Promise<void>;
  let close = () => {};
  let name: string;
  switch (c.type) {
    case 'file':
      name = `file:${c.path}`;
      deliver = async (a) => appendFileSync(c.path, `${JSON.stringify(a)}\n`);
      break;
    case 'webhook':
    case 'slack': {
      name = `${c.type}:${c.url}`;
      deliver = async (a) => {
        const body = c.type === 'slack' ? JSON.stringify({ text: slackText(a) }) : JSON.stringify(a);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (c.type === 'webhook') headers[SIGNATURE_HEADER] = signBody(c.secret, body);
        const r = await fetch(c.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) });
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
      };
      break;
    }
    case 'syslog': {
      name = `syslog:${c.address}`;
      const { host, port } = hostPort(c.address, 'syslog channel');
      if (c.protocol === 'tcp') {
        deliver = (a) =>
          new Promise<void>((resolve, reject) => {
            const line = Buffer.from(syslogLine(a));
            const s = connect({ host, port }, () => {
              s.end(Buffer.concat([Buffer.from(`${line.length} `), line]), () => resolve());
            });
            s.on('error', reject);
          });
      } else {
        const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
        sock.unref();
        close = () => sock.close();
        deliver = (a) =>
          new Promise<void>((resolve, reject) =>
            sock.send(syslogLine(a), port, host, (e) => (e ? reject(e) : resolve())),
          );
      }
      break;
    }
    default:
      throw new FailsmallError('E_MONITOR_CHANNEL', `unknown channel type ${(c as { type: string }).type}`);
  }
  return {
    name,
    stats,
    close: () => close(),
    async send(a) {
      if (!bucket.take()) {
        stats.limited++;
        return;
      }
      try {
        await deliver(a);
        stats.sent++;
      } catch {
        stats.failed++;
      }
    },
  };
}
