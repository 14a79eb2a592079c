import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from './tcp.js';
import { parseTarget, tcpProbe } from './tcp.js';
import { probeVerdicts } from './verdict.js';

const r = (location: string, ok: boolean, at: number, ms = 1): ProbeResult => ({
  location,
  host: 'h',
  port: 1,
  ok,
  ms,
  error: ok ? null : 'ECONNREFUSED',
  at,
});

describe('probe verdicts', () => {
  it('no data below the sample floor, never a pass', () => {
    const [v] = probeVerdicts([r('a', true, 900), r('a', true, 950)], ['a'], 1000);
    expect(v?.status).toBe('no-data');
  });
  it('fails under the success floor and names the errors; passes otherwise', () => {
    const rs = [
      r('a', true, 100),
      r('a', false, 200),
      r('a', false, 300),
      r('b', true, 100),
      r('b', true, 200),
      r('b', true, 300),
    ];
    const [a, b] = probeVerdicts(rs, ['a', 'b'], 1000);
    expect(a?.status).toBe('fail');
    expect(a?.reason).toMatch(/ECONNREFUSED/);
    expect(b?.status).toBe('pass');
  });
  it('ignores results outside the window and fails a slow median', () => {
    const rs = [r('a', false, -5000), r('a', true, 100, 900), r('a', true, 200, 800), r('a', true, 300, 700)];
    const [a] = probeVerdicts(rs, ['a'], 1000);
    expect(a?.status).toBe('fail');
    expect(a?.medianMs).toBe(800);
  });
  it('probes a real TCP listener and a closed port', async () => {
    const srv = createServer((c) => c.end()).listen(0, '127.0.0.1');
    await new Promise((res) => srv.once('listening', res));
    const port = (srv.address() as { port: number }).port;
    expect((await tcpProbe({ location: 'x', host: '127.0.0.1', port })).ok).toBe(true);
    srv.close();
    await new Promise((res) => srv.once('close', res));
    const down = await tcpProbe({ location: 'x', host: '127.0.0.1', port });
    expect(down.ok).toBe(false);
    expect(down.error).toBe('ECONNREFUSED');
    expect(parseTarget('lab1=198.18.1.1:80')).toEqual({ location: 'lab1', host: '198.18.1.1', port: 80 });
  });
});
