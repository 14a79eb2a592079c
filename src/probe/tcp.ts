// One synthetic reachability probe: a TCP connect from this vantage point to a service address.
import { connect } from 'node:net';

export interface ProbeTarget {
  /** The location whose service this address belongs to (the verdict is per location). */
  location: string;
  host: string;
  port: number;
}

export interface ProbeResult {
  location: string;
  host: string;
  port: number;
  ok: boolean;
  /** Connect latency (ms) when ok; time until failure otherwise. */
  ms: number;
  error: string | null;
  at: number;
}

export function tcpProbe(t: ProbeTarget, timeoutMs = 1000, now: () => number = Date.now): Promise<ProbeResult> {
  const t0 = performance.now();
  const at = now();
  return new Promise((resolve) => {
    const s = connect({ host: t.host, port: t.port });
    const done = (ok: boolean, error: string | null) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ ...t, ok, ms: Math.round((performance.now() - t0) * 100) / 100, error, at });
    };
    const timer = setTimeout(() => done(false, 'timeout'), timeoutMs);
    s.once('connect', () => done(true, null));
    s.once('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
  });
}

/** Parses "location=host:port". */
export function parseTarget(text: string): ProbeTarget {
  const m = /^([a-z0-9-]{1,64})=([0-9a-f.:]+):(\d{1,5})$/i.exec(text);
  if (!m) throw new Error(`probe target ${JSON.stringify(text)}: expected location=host:port`);
  return { location: m[1] as string, host: m[2] as string, port: Number(m[3]) };
}
