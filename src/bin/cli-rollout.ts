// `failsmall rollout …`, `failsmall rollback …` and `failsmall replay byoip-2026-02-20`.
// Rollout and rollback commands talk to a running control plane over HTTP (FAILSMALL_URL, default
// http://127.0.0.1:8080; FAILSMALL_TOKEN for a bearer token); the replay runs in-process.
import type { Command } from 'commander';

interface Conn {
  url: string;
  token: string | undefined;
}

function conn(o: { url?: string }): Conn {
  return {
    url: (o.url ?? process.env.FAILSMALL_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, ''),
    token: process.env.FAILSMALL_TOKEN,
  };
}

async function call(c: Conn, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${c.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    // An unreachable control plane is an operator's everyday situation, not a crash: say where we looked.
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    process.stderr.write(
      `error E_CLI_UNREACHABLE: cannot reach the control plane at ${c.url} (${cause?.code ?? cause?.message ?? (e as Error).message}); set FAILSMALL_URL or --url\n`,
    );
    process.exitCode = 1;
    return undefined;
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  if (!res.ok) {
    const e = json as {
      error?: { code?: string; message?: string };
      errors?: { error_code?: string; message?: string }[];
    };
    const code = e.error?.code ?? e.errors?.[0]?.error_code ?? `HTTP ${res.status}`;
    const msg = e.error?.message ?? e.errors?.[0]?.message ?? text;
    process.stderr.write(`error ${code}: ${msg}\n`);
    process.exitCode = 1;
    return undefined;
  }
  return json;
}

interface AgentRow {
  agent: string;
  location: string;
  state: string;
  applied_snapshot: string | null;
  assigned_snapshot: string | null;
  exported: number;
  snapshot_count: number | null;
  sessions: { name: string; state: string; since: string }[];
  last_report_at: string;
}

/** GET /v1/agents, or undefined when this control plane has no real fleet (the simulated one). */
async function agentRows(c: Conn): Promise<AgentRow[] | undefined> {
  try {
    const res = await fetch(`${c.url}/v1/agents`, { headers: c.token ? { authorization: `Bearer ${c.token}` } : {} });
    return res.ok ? ((await res.json()) as { result: AgentRow[] }).result : undefined;
  } catch {
    return undefined;
  }
}

function agentsText(rows: readonly AgentRow[]): string {
  const now = Date.now();
  const lines = ['', 'Agents:', '  agent  location  state  applied  exported/snapshot  sessions  last report'];
  for (const a of rows) {
    const applied = a.applied_snapshot ? a.applied_snapshot.slice(0, 12) : '-';
    const behind =
      a.applied_snapshot !== a.assigned_snapshot ? ` (assigned ${(a.assigned_snapshot ?? '-').slice(0, 12)})` : '';
    const sessions = a.sessions.map((x) => `${x.name}:${x.state}`).join(',') || '-';
    const age = Math.round((now - Date.parse(a.last_report_at)) / 100) / 10;
    lines.push(
      `  ${a.agent}  ${a.location}  ${a.state}  ${applied}${behind}  ${a.exported}/${a.snapshot_count ?? '-'}  ${sessions}  ${age} s ago`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function print(x: unknown, asJson: boolean): void {
  if (x === undefined) return;
  const r = (x as { result?: unknown }).result ?? x;
  if (asJson || typeof r !== 'object' || r === null || !('text' in r))
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else process.stdout.write(String((r as { text: string }).text));
}

export function register(program: Command): void {
  const rollout = program
    .command('rollout')
    .description('watch and steer snapshot rollouts on a running control plane');
  const common = (c: Command) =>
    c.option('--url <url>', 'control plane URL (FAILSMALL_URL)').option('--json', 'print JSON');

  common(
    rollout.command('status').description('breaker, last good snapshot, active and recent rollouts; every agent'),
  ).action(async (o: { url?: string; json?: boolean }) => {
    const c = conn(o);
    const s = await call(c, 'GET', `/v1/rollouts/status${o.json ? '' : '?format=text'}`);
    const agents = s === undefined ? undefined : await agentRows(c);
    if (o.json && agents) print({ ...((s as { result: object }).result ?? {}), agents }, true);
    else print(s, !!o.json);
    if (!o.json && agents?.length) process.stdout.write(agentsText(agents));
  });
  common(rollout.command('show <id>').description('one rollout: stages, gates, events')).action(
    async (id: string, o: { url?: string; json?: boolean }) =>
      print(await call(conn(o), 'GET', `/v1/rollouts/${encodeURIComponent(id)}`), true),
  );
  for (const [op, help, needsReason] of [
    ['pause', 'pause a running rollout', false],
    ['resume', 'resume a paused rollout', false],
    ['promote', "end the current stage's bake now and go on (gates must not fail)", true],
    ['abort', 'stop a rollout; touched locations go back to the last good snapshot', true],
  ] as const) {
    const c = common(rollout.command(`${op} <id>`).description(help));
    c.option('--reason <text>', needsReason ? 'why (required, audited)' : 'why (audited)');
    c.action(async (id: string, o: { url?: string; json?: boolean; reason?: string }) =>
      print(
        await call(conn(o), 'POST', `/v1/rollouts/${encodeURIComponent(id)}/${op}`, { reason: o.reason ?? '' }),
        true,
      ),
    );
  }
  common(
    rollout
      .command('approve <id>')
      .description(
        "let a held rollout deploy despite the guard (audited): a person's token with scope approver that made none of the change",
      ),
  )
    .requiredOption('--reason <text>', 'why (required, audited)')
    .requiredOption('--digest <sha256>', 'the digest of the change approved (failsmall rollout change <id>)')
    .action(async (id: string, o: { url?: string; json?: boolean; reason: string; digest: string }) =>
      print(
        await call(conn(o), 'POST', `/v1/rollouts/${encodeURIComponent(id)}/approve`, {
          reason: o.reason,
          digest: o.digest,
        }),
        true,
      ),
    );
  common(
    rollout
      .command('reject <id>')
      .description('reject a held or halted rollout: desired state back to the last good snapshot for its delta'),
  )
    .requiredOption('--reason <text>', 'why (audited)')
    .option('--account <id...>', 'only these accounts of the change (default: all of it)')
    .action(async (id: string, o: { url?: string; json?: boolean; reason: string; account?: string[] }) =>
      print(
        await call(conn(o), 'POST', `/v1/rollouts/${encodeURIComponent(id)}/reject`, {
          reason: o.reason,
          ...(o.account?.length ? { accounts: o.account } : {}),
        }),
        true,
      ),
    );
  common(
    rollout.command('change <id>').description("a rollout's change: the digest an approval names, and who made it"),
  ).action(async (id: string, o: { url?: string; json?: boolean }) =>
    print(await call(conn(o), 'GET', `/v1/rollouts/${encodeURIComponent(id)}/change`), true),
  );
  common(rollout.command('reset-breaker').description('reset a tripped circuit breaker (audited)'))
    .requiredOption('--reason <text>', 'why (audited)')
    .action(async (o: { url?: string; json?: boolean; reason: string }) =>
      print(await call(conn(o), 'POST', '/v1/breaker/reset', { reason: o.reason }), true),
    );
  common(rollout.command('snapshots').description('snapshots, newest first')).action(
    async (o: { url?: string; json?: boolean }) => print(await call(conn(o), 'GET', '/v1/snapshots'), true),
  );
  common(
    rollout.command('diff <from> <to>').description('diff of two snapshots (number, #number or id prefix)'),
  ).action(async (from: string, to: string, o: { url?: string; json?: boolean }) =>
    print(
      await call(
        conn(o),
        'GET',
        `/v1/snapshots/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${o.json ? '' : '&format=text'}`,
      ),
      !!o.json,
    ),
  );

  common(
    program
      .command('rollback')
      .description('return the network (or one account) to a known-good snapshot, as a new snapshot on the fast path'),
  )
    .requiredOption('--to <snapshot>', 'snapshot number, #number or id prefix')
    .option('--account <id>', "only this account's announcements and bindings")
    .requiredOption('--reason <text>', 'why (audited)')
    .action(async (o: { url?: string; json?: boolean; to: string; account?: string; reason: string }) =>
      print(
        await call(conn(o), 'POST', '/v1/rollback', {
          to: o.to,
          ...(o.account ? { account: o.account } : {}),
          reason: o.reason,
        }),
        true,
      ),
    );

  program
    .command('replay <scenario>')
    .description('replay an incident against failsmall (scenarios: byoip-2026-02-20); times are simulated')
    .option('--json', 'print only the JSON summary')
    .option(
      '--minutes <n>',
      'simulated minutes the cleanup job runs (with --lab: real, its limit if nothing trips)',
      '15',
    )
    .option('--pace <seconds>', 'simulated seconds between two prefixes the job deletes (with --lab: real)', '2')
    .option(
      '--lab',
      'run the 20 February job in real time against the lab (root: 3 BIRD edges, an FRR upstream, a client; real serve and agents); figures measured at the upstream, the edges and the client',
    )
    .option(
      '--job <kind>',
      'a rogue job of the red team instead of the 20 February one, through the HTTP API against the demo population: fast|paced|by-account|modify|flap|unbind|announce|self-approve',
    )
    .action(
      async (scenario: string, o: { json?: boolean; minutes: string; pace: string; job?: string; lab?: boolean }) => {
        if (scenario !== 'byoip-2026-02-20') {
          process.stderr.write(`unknown scenario ${JSON.stringify(scenario)}; known: byoip-2026-02-20\n`);
          process.exitCode = 2;
          return;
        }
        if (o.lab) {
          if (o.job !== undefined) {
            process.stderr.write('--lab runs the 20 February job; it does not take --job\n');
            process.exitCode = 2;
            return;
          }
          const { replayLab } = await import('./replay-lab.js');
          process.exitCode = await replayLab({ json: !!o.json, pace: o.pace, minutes: o.minutes });
          return;
        }
        if (o.job !== undefined) {
          const { JOB_KINDS, replayJob } = await import('./replay-jobs.js');
          const kind = JOB_KINDS.find((k) => k === o.job);
          if (!kind) {
            process.stderr.write(`unknown --job ${JSON.stringify(o.job)}; known: ${JOB_KINDS.join(', ')}\n`);
            process.exitCode = 2;
            return;
          }
          const r = await replayJob(kind, { log: o.json ? undefined : (l) => process.stderr.write(`${l}\n`) });
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          if (!r.passed) process.exitCode = 1;
          return;
        }
        const minutes = Number(o.minutes);
        const pace = Number(o.pace);
        if (!(minutes > 0 && minutes <= 600) || !(pace > 0 && pace <= 3600)) {
          process.stderr.write('--minutes must be within (0, 600] and --pace within (0, 3600]\n');
          process.exitCode = 2;
          return;
        }
        // Loaded on use: the replay brings up PGlite and a simulated fleet.
        const { replayByoip } = await import('./replay-byoip.js');
        const r = await replayByoip({
          durationMs: minutes * 60_000,
          jobPaceMs: pace * 1000,
          log: o.json ? undefined : (l) => process.stderr.write(`${l}\n`),
        });
        if (!o.json) {
          process.stdout.write('Timeline (simulated time, virtual clock; T+ from the job start at 17:56:00Z):\n');
          process.stdout.write(r.timeline);
          process.stdout.write('\nSummary:\n');
        }
        process.stdout.write(`${JSON.stringify(r.summary, null, 2)}\n`);
        if (!r.passed) process.exitCode = 1;
      },
    );
}
