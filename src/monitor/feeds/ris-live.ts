// The RIS Live websocket client (`ws`): subscribes for the watch list, feeds every frame to RisFeed, and
// reconnects with capped exponential backoff (1 s doubling to 30 s, reset after a successful open),
// subscribing again each time. Saved `ris_message` JSON lines replay through the same RisFeed.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import type { RisFeed } from '../ris.js';

export class RisLiveClient {
  private ws?: WebSocket;
  private closed = false;
  private backoff = 1000;
  private timer?: NodeJS.Timeout;
  connects = 0;

  constructor(
    private readonly feed: RisFeed,
    private readonly url: string,
    private readonly subscriptions: readonly object[],
    private readonly maxBackoffMs = 30_000,
  ) {}

  start(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.url, { perMessageDeflate: true, handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      this.connects++;
      this.backoff = 1000;
      for (const s of this.subscriptions) ws.send(JSON.stringify(s));
    });
    ws.on('message', (data) => this.feed.line(data.toString()));
    const again = () => {
      if (this.closed || this.ws !== ws) return;
      this.ws = undefined;
      this.timer = setTimeout(() => this.start(), this.backoff);
      this.backoff = Math.min(this.maxBackoffMs, this.backoff * 2);
    };
    ws.on('close', again);
    ws.on('error', () => ws.terminate());
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.terminate();
  }
}

/** Replays a file of saved RIS Live frames, one JSON object per line. */
export async function replayRisLines(feed: RisFeed, path: string): Promise<void> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) if (line.trim()) feed.line(line);
}
