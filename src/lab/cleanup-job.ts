// The 20 February 2026 cleanup job, run over HTTP against a served control plane (`serve` with the demo
// fleet), in accelerated but real time: the server's clock, rollout engine and guard run as they always
// do; only the pace is quick (a prefix every `paceMs` instead of every few seconds, bake times of a few
// seconds). The job first makes the literal call of that day (the valueless `?pending_delete`), which
// the strict API refuses; then, as if it had got every prefix anyway, it withdraws, unbinds and deletes
// them one by one through the Addressing API, as an operator-scoped job token would. Used by the console's
// end-to-end test (src/bin/console.test.ts) and by the lab replay (src/lab/byoip-replay.ts).
export interface ReplayJobOptions {
  base: string;
  token: string;
  /** Time between two prefixes (ms). */
  paceMs: number;
  /** Stop after this many prefixes (default: all). */
  max?: number;
  /** Only accounts whose name starts with this (default: every account). */
  accountPrefix?: string;
  signal?: AbortSignal;
  /** Called once the job has its list, just before its first deletion (the job's start). */
  onStart?: (prefixes: number) => void;
  /** Called after each prefix is deleted (withdrawn, unbound, deleted). */
  onDeleted?: (deleted: number) => void;
}

export interface ReplayJobReport {
  literalCall: { status: number; error_code: string | undefined };
  deleted: number;
  calls: number;
  failures: string[];
}

type Env<T> = { success: boolean; result: T; errors: { error_code?: string; message: string }[] };

export async function runReplayJob(o: ReplayJobOptions): Promise<ReplayJobReport> {
  const h = { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' };
  let calls = 0;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: Env<T> }> => {
    calls++;
    const r = await fetch(`${o.base}${path}`, {
      method,
      headers: h,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Env<T> };
  };
  const accounts = (await call<{ id: string; name: string }[]>('GET', '/v1/accounts')).body.result.filter(
    (a) => !o.accountPrefix || a.name.startsWith(o.accountPrefix),
  );
  const first = accounts[0]?.id ?? '0'.repeat(32);
  const literal = await call<unknown>('GET', `/client/v4/accounts/${first}/addressing/prefixes?pending_delete`);
  const report: ReplayJobReport = {
    literalCall: { status: literal.status, error_code: literal.body.errors[0]?.error_code },
    deleted: 0,
    calls: 0,
    failures: [],
  };
  const work: { account: string; prefix: string }[] = [];
  for (const a of accounts) {
    const list = await call<{ id: string }[]>('GET', `/client/v4/accounts/${a.id}/addressing/prefixes?state=active`);
    for (const p of list.body.result) work.push({ account: a.id, prefix: p.id });
  }
  o.onStart?.(Math.min(work.length, o.max ?? work.length));
  for (const w of work.slice(0, o.max ?? work.length)) {
    if (o.signal?.aborted) break;
    const started = Date.now();
    const base = `/client/v4/accounts/${w.account}/addressing/prefixes/${w.prefix}`;
    try {
      const bgp = (await call<{ id: string; on_demand: { advertised: boolean } }[]>('GET', `${base}/bgp/prefixes`)).body
        .result;
      for (const b of bgp)
        if (b.on_demand.advertised)
          await call('PATCH', `${base}/bgp/prefixes/${b.id}`, { on_demand: { advertised: false } });
      const bindings = (await call<{ id: string; cidr: string }[]>('GET', `${base}/bindings`)).body.result;
      bindings.sort((x, y) => Number(y.cidr.split('/')[1]) - Number(x.cidr.split('/')[1]));
      for (const b of bindings) await call('DELETE', `${base}/bindings/${b.id}`);
      for (const b of bgp) await call('DELETE', `${base}/bgp/prefixes/${b.id}`);
      const del = await call('DELETE', base);
      if (del.status >= 300) report.failures.push(`${w.prefix}: ${del.body.errors[0]?.message}`);
      else {
        report.deleted++;
        o.onDeleted?.(report.deleted);
      }
    } catch (e) {
      report.failures.push(`${w.prefix}: ${(e as Error).message}`);
    }
    const wait = o.paceMs - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  report.calls = calls;
  return report;
}
