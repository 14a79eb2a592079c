// `failsmall agent`: one per edge location or router. It follows the snapshot assigned to its location
// (server-sent events from serve, reconnecting with backoff), reconciles its speaker through src/edge's
// EdgeAgent (which refuses an unmarked withdraw-all), and reports the applied snapshot, the routes the
// speaker exports (read back), the BGP sessions and its health.
// - Fail static: without the control plane it changes nothing and keeps announcing its last snapshot,
//   for as long as it takes; it goes on checking the speaker for drift and repairing it.
// - Restart: it reads the last applied snapshot from <stateDir>/applied.json and checks the speaker
//   against it (repairing drift) before it follows the control plane again.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EdgeAgent, type Speaker } from '../edge/agent.js';
import { fromLocationSnapshot, type LocationSnapshot } from '../edge/location-snapshot.js';
import type { AgentReport } from '../snapshot/agent-report.js';
import type { LocationView } from '../snapshot/view.js';
import { FileBindingTable } from './file-bindings.js';

export interface AgentSpeaker extends Speaker {
  /** Takes a view as what the speaker should export, without changing the speaker. */
  expect(view: LocationView): void;
  sessions(): Promise<{ name: string; state: string; since: string; info: string }[]>;
}

export interface AgentRunnerOptions {
  url: string;
  token: string;
  location: string;
  node: string;
  stateDir: string;
  speaker: AgentSpeaker;
  reportIntervalMs?: number;
  driftIntervalMs?: number;
  controlPlaneTimeoutMs?: number;
  /** A stream silent for this long is lost (serve sends a keep-alive every 10 s). */
  streamIdleMs?: number;
  log?: (event: string, detail?: Record<string, unknown>) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class AgentRunner {
  readonly agent: EdgeAgent;
  private readonly bindings: FileBindingTable;
  private stopped = false;
  private abort: AbortController | null = null;
  private timers: NodeJS.Timeout[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  private drift = 0;
  private repairs = 0;
  private speakerUp = true;
  private healthDetail: string | null = null;
  private current: LocationSnapshot | null = null;
  readonly log: NonNullable<AgentRunnerOptions['log']>;

  constructor(private readonly o: AgentRunnerOptions) {
    this.log = o.log ?? (() => undefined);
    this.bindings = new FileBindingTable(join(o.stateDir, 'bindings.json'));
    this.agent = new EdgeAgent({
      id: `${o.location}/${o.node}`,
      location: o.location,
      node: o.node,
      speaker: o.speaker,
      bindings: this.bindings,
      clock: { now: () => Date.now() },
      controlPlaneTimeoutMs: o.controlPlaneTimeoutMs ?? 30_000,
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.lock.then(fn, fn);
    this.lock = p.catch(() => undefined);
    return p;
  }

  /** Restores the last applied snapshot from disk and checks the speaker against it; then follows serve. */
  async start(): Promise<void> {
    await mkdir(this.o.stateDir, { recursive: true });
    const saved = await readFile(join(this.o.stateDir, 'applied.json'), 'utf8').catch(() => null);
    if (saved !== null) {
      const ls = JSON.parse(saved) as LocationSnapshot;
      const { view } = fromLocationSnapshot(ls);
      this.current = ls;
      this.o.speaker.expect(view);
      this.agent.adopt(view);
      const r = await this.exclusive(() => this.agent.repair());
      this.log('restored', { snapshot: ls.number, check: typeof r === 'string' ? r : r.error });
    }
    this.timers.push(setInterval(() => void this.report(), this.o.reportIntervalMs ?? 2000));
    this.timers.push(setInterval(() => void this.checkDrift(), this.o.driftIntervalMs ?? 5000));
    void this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    for (const t of this.timers) clearInterval(t);
    await this.lock;
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.o.token}` };
  }

  /** The SSE loop: reconnects with capped exponential backoff and jitter; never gives up. */
  private async follow(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.stream(() => {
          failures = 0;
        });
      } catch (e) {
        if (this.stopped) return;
        this.log('control-plane-lost', { error: (e as Error).message, retry: failures + 1 });
      }
      failures++;
      const base = Math.min(5000, 200 * 2 ** Math.min(failures, 5));
      await sleep(base / 2 + Math.random() * (base / 2));
    }
  }

  private async stream(connected: () => void): Promise<void> {
    this.abort = new AbortController();
    const ac = this.abort;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => ac.abort(new Error('stream silent')), this.o.streamIdleMs ?? 30_000);
    };
    arm();
    try {
      const res = await fetch(`${this.o.url}/v1/agent/events`, { headers: this.headers(), signal: ac.signal });
      if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      connected();
      this.log('following', { url: this.o.url });
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        this.agent.contact();
        buf += decoder.decode(chunk, { stream: true });
        let end = buf.indexOf('\n\n');
        while (end >= 0) {
          const event = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data) await this.onAssignment(JSON.parse(data) as { snapshotId: string; number: number } | null);
          end = buf.indexOf('\n\n');
        }
      }
      throw new Error('stream ended');
    } finally {
      clearTimeout(idle);
    }
  }

  private async onAssignment(a: { snapshotId: string; number: number } | null): Promise<void> {
    if (a === null || a.snapshotId === this.agent.current()?.snapshotId) return;
    const res = await fetch(`${this.o.url}/v1/agent/snapshots/${a.snapshotId}`, { headers: this.headers() });
    if (!res.ok) throw new Error(`snapshot ${a.snapshotId}: HTTP ${res.status}`);
    const ls = ((await res.json()) as { result: LocationSnapshot }).result;
    const { snapshot } = fromLocationSnapshot(ls);
    const r = await this.exclusive(() => this.agent.receive(snapshot));
    this.log(r.outcome, { snapshot: ls.number, ...('detail' in r ? { detail: r.detail } : {}) });
    if (r.outcome === 'applied') {
      // Written only after the speaker confirmed: a restart never adopts what BIRD may have undone.
      const file = join(this.o.stateDir, 'applied.json');
      await writeFile(`${file}.tmp`, JSON.stringify(ls));
      await rename(`${file}.tmp`, file);
      this.current = ls;
    }
    await this.report();
  }

  private async checkDrift(): Promise<void> {
    const r = await this.exclusive(() => this.agent.repair());
    if (r === 'repaired') {
      this.drift++;
      this.repairs++;
      this.speakerUp = true;
      this.healthDetail = null;
      this.log('drift-repaired', { snapshot: this.current?.number });
    } else if (typeof r === 'object') {
      this.drift++;
      this.speakerUp = false;
      this.healthDetail = r.error;
      this.log('drift-repair-failed', { error: r.error });
    } else {
      this.speakerUp = true;
      this.healthDetail = null;
    }
  }

  /** Builds the report (read back from the speaker) and sends it; a lost control plane only logs. */
  async report(): Promise<AgentReport | null> {
    let report: AgentReport;
    let sessions: Awaited<ReturnType<AgentSpeaker['sessions']>> = [];
    try {
      report = await this.agent.report();
      sessions = await this.o.speaker.sessions();
    } catch (e) {
      this.speakerUp = false;
      this.healthDetail = (e as Error).message;
      return null;
    }
    const body = {
      report,
      extras: {
        sessions,
        health: {
          speaker: this.speakerUp ? 'up' : 'down',
          drift: this.drift,
          repairs: this.repairs,
          detail: this.healthDetail,
        },
      },
    };
    try {
      const res = await fetch(`${this.o.url}/v1/agent/report`, {
        method: 'POST',
        headers: { ...this.headers(), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) this.log('report-refused', { status: res.status, body: (await res.text()).slice(0, 300) });
    } catch {
      // fail static: nothing to do but keep announcing and try again next period
    }
    return report;
  }
}
