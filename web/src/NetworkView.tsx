// The operator's network view: announcements over time (configured vs announced, total and per
// location), current and last good snapshot, breaker, rollouts with stages, gates and guard evidence,
// and every operator action (each asks for a reason and is audited by the server).
import { useMemo, useState } from 'react';
import { get, post, type Rollout, type Series, type Session, type SnapshotSummary, type Status } from './api';
import { Chart, type Line } from './Chart';
import { fmtTime, useData, useTicks } from './live';
import { useReason } from './Reason';

const PALETTE = [
  '#4cc9f0',
  '#f72585',
  '#b8f35a',
  '#ffb703',
  '#c77dff',
  '#06d6a0',
  '#ff6b6b',
  '#8ecae6',
  '#e9c46a',
  '#90be6d',
  '#f4a261',
  '#a8dadc',
];
const WINDOW_MS = 15 * 60_000;

function useAct() {
  const ask = useReason();
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (
    title: string,
    path: string,
    body: Record<string, unknown> = {},
    danger = false,
    detail?: string,
  ) => {
    const reason = await ask({ title, confirm: title, danger, detail });
    if (!reason) return;
    try {
      await post(path, { ...body, reason });
      setMsg({ ok: true, text: `${title}: done` });
    } catch (e) {
      setMsg({ ok: false, text: `${title}: ${(e as Error).message}` });
    }
  };
  return { act, msg };
}

function StageBar({ r }: { r: Rollout }) {
  return (
    <ol className="stages" aria-label={`stages of ${r.id}`}>
      {r.stages.map((s, i) => {
        const st = s.passedAt
          ? 'passed'
          : s.deployedAt
            ? 'baking'
            : i === r.stageIndex && r.status === 'held'
              ? 'held'
              : 'waiting';
        return (
          <li key={s.name} className={`stage ${st}`}>
            <span>{s.name}</span>{' '}
            <small>
              {s.locations.length} loc · {st}
            </small>
          </li>
        );
      })}
    </ol>
  );
}

function RolloutCard({
  r,
  onAct,
}: {
  r: Rollout;
  onAct: (title: string, path: string, danger?: boolean, detail?: string, body?: Record<string, unknown>) => void;
}) {
  const [diff, setDiff] = useState<string | null>(null);
  const [showAll, setShowAll] = useState(false);
  const base = `/v1/rollouts/${r.id}`;
  const gates = [...r.gates].slice(-6).reverse();
  return (
    <article className={`card rollout ${r.status}`} aria-labelledby={`h-${r.id}`}>
      <header className="row">
        <h3 id={`h-${r.id}`}>
          {r.id} · snapshot #{r.snapshotNumber} · {r.kind}
        </h3>
        <span className={`badge ${r.status}`}>{r.status}</span>
      </header>
      <p className="muted small">
        {fmtTime(r.createdAt)} by {r.createdBy}: {r.reason}
      </p>
      <StageBar r={r} />
      {r.guard && (
        <div className={`guard ${r.guard.verdict}`}>
          <strong>Guard: {r.guard.verdict}</strong> — {r.guard.summary}
          {r.guard.violations.length > 0 && (
            <table>
              <caption className="sr-only">Guard violations of {r.id}</caption>
              <thead>
                <tr>
                  <th scope="col">limit</th>
                  <th scope="col">scope</th>
                  <th scope="col">count</th>
                  <th scope="col">allowed</th>
                </tr>
              </thead>
              <tbody>
                {r.guard.violations.slice(0, showAll ? undefined : 6).map((v) => (
                  <tr key={`${v.kind}${v.scope}${v.key}${v.window ?? ''}`}>
                    <td>{v.kind}</td>
                    <td>
                      {v.scope} {v.key}
                      {v.window ? ` (${v.window})` : ''}
                    </td>
                    <td className="num">{v.count}</td>
                    <td className="num">{v.allowed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {r.guard.violations.length > 6 && (
            <button type="button" className="link" onClick={() => setShowAll(!showAll)} aria-expanded={showAll}>
              {showAll ? 'Fewer' : `All ${r.guard.violations.length} violated limits`}
            </button>
          )}
        </div>
      )}
      {r.halt && (
        <p className="error">
          Halted {fmtTime(r.halt.at)}: {r.halt.reason}
        </p>
      )}
      {r.pause && (
        <p className="warn">
          Paused by {r.pause.by}: {r.pause.reason}
        </p>
      )}
      {r.rejection && (
        <p className="warn">
          Rejected by {r.rejection.by}
          {r.rejection.accounts ? ` (accounts ${r.rejection.accounts.join(', ')})` : ''}: {r.rejection.reason} —{' '}
          {r.rejection.restored.changed} returned to the last good snapshot
        </p>
      )}
      {r.approval && (
        <p className="muted small">
          Approved by {r.approval.by}: {r.approval.reason}
        </p>
      )}
      {gates.length > 0 && (
        <ul className="gates" aria-label={`gate results of ${r.id}`}>
          {gates.map((g) => (
            <li key={`${g.gate}${g.at}`} className={`gate ${g.status}`}>
              <span className="badge">{g.status}</span> {g.gate}: {g.reason}
            </li>
          ))}
        </ul>
      )}
      <div className="row wrap actions">
        {r.status === 'held' && (
          <button
            type="button"
            className="primary"
            onClick={() =>
              onAct(`Approve ${r.id}`, `${base}/approve`, false, r.guard?.summary, { digest: r.change?.digest ?? '' })
            }
          >
            Approve
          </button>
        )}
        {(r.status === 'held' || r.halt) && !r.rejection?.complete && (
          <button
            type="button"
            className="danger"
            onClick={() =>
              onAct(
                `Reject ${r.id}`,
                `${base}/reject`,
                true,
                'Rejecting returns desired state to the last good snapshot for exactly this change (audited); nothing of it deploys, and a breaker it tripped closes.',
              )
            }
          >
            Reject
          </button>
        )}
        {r.status === 'running' && (
          <>
            <button type="button" onClick={() => onAct(`Pause ${r.id}`, `${base}/pause`)}>
              Pause
            </button>
            <button type="button" onClick={() => onAct(`Promote ${r.id}`, `${base}/promote`)}>
              Promote
            </button>
          </>
        )}
        {r.status === 'paused' && (
          <button type="button" onClick={() => onAct(`Resume ${r.id}`, `${base}/resume`)}>
            Resume
          </button>
        )}
        {['running', 'paused', 'queued'].includes(r.status) && (
          <button type="button" className="danger" onClick={() => onAct(`Abort ${r.id}`, `${base}/abort`, true)}>
            Abort
          </button>
        )}
        <button
          type="button"
          onClick={async () =>
            setDiff(
              diff
                ? null
                : (
                    await get<{ text: string }>(
                      `/v1/snapshots/diff?from=${r.baselineId ?? Math.max(1, r.snapshotNumber - 1)}&to=${r.snapshotNumber}&format=text`,
                    )
                  ).text,
            )
          }
          aria-expanded={diff !== null}
        >
          {diff ? 'Hide diff' : 'Diff from last good'}
        </button>
      </div>
      {diff && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe scrollable-region-focusable)
        <pre className="diff" tabIndex={0}>
          {diff}
        </pre>
      )}
    </article>
  );
}

export function NetworkView({ session }: { session: Session }) {
  const t = useTicks();
  const { act, msg } = useAct();
  const status = useData(() => get<Status>('/v1/rollouts/status'), [t.status, t.audit]);
  const rollouts = useData(() => get<Rollout[]>('/v1/rollouts'), [t.status, t.audit]);
  const history = useData(
    () => get<Series>(`/v1/announcements/history?since=${Date.now() - WINDOW_MS}`),
    [Math.floor((t.history ?? 0) / 2)],
  );
  const snaps = useData(() => get<SnapshotSummary[]>('/v1/snapshots'), [t.status]);
  const accounts = useData(() => get<{ id: string; name: string }[]>('/v1/accounts'), []);
  const [to, setTo] = useState('');
  const [acct, setAcct] = useState('');
  const s = status.data;
  const h = history.data;
  const totals: Line[] = useMemo(
    () =>
      h
        ? [
            { label: 'configured', values: h.configured, color: '#9aa7b4', dash: [6, 4], width: 2 },
            { label: 'announced (agents)', values: h.announced, color: '#4cc9f0', width: 2 },
          ]
        : [],
    [h],
  );
  const perLoc: Line[] = useMemo(
    () =>
      h
        ? Object.entries(h.locations).map(([l, v], i) => ({
            label: l,
            values: v.announced,
            color: PALETTE[i % PALETTE.length] as string,
          }))
        : [],
    [h],
  );
  const inFlight = (rollouts.data ?? []).filter((r) => ['running', 'paused', 'held', 'queued'].includes(r.status));
  const recent = (rollouts.data ?? []).filter((r) => !inFlight.includes(r)).slice(0, 6);
  const last = h?.at.length ? h.at.length - 1 : -1;
  // the canary of the newest staged rollout: where a bad change shows first
  const canary = new Set(
    (rollouts.data ?? []).find((r) => r.kind === 'progressive' && r.stages[0]?.deployedAt)?.stages[0]?.locations ?? [],
  );
  return (
    <div className="network">
      <section className="cards" aria-label="Network state">
        <div className={`card stat ${s?.breaker.tripped ? 'bad' : 'good'}`}>
          <h2>Breaker</h2>
          <p className="big">{s ? (s.breaker.tripped ? 'TRIPPED' : 'closed') : '…'}</p>
          {s?.breaker.tripped && (
            <>
              <p className="small">
                since {fmtTime(s.breaker.since)}: {s.breaker.reason}
              </p>
              <button
                type="button"
                className="danger"
                onClick={() => act('Reset breaker', '/v1/breaker/reset', {}, true)}
              >
                Reset breaker
              </button>
            </>
          )}
        </div>
        <div className="card stat">
          <h2>Last good snapshot</h2>
          <p className="big">{s?.baseline ? `#${s.baseline.number}` : '—'}</p>
          <p className="small">
            {s?.baseline ? `${s.baseline.announcements} prefixes · ${s.baseline.bindings} bindings` : ''}
          </p>
        </div>
        <div className="card stat">
          <h2>Latest snapshot</h2>
          <p className="big">{s?.latest ? `#${s.latest.number}` : '—'}</p>
          <p className="small">{s?.latest ? `${s.latest.announcements} prefixes · ${s.latest.origin}` : ''}</p>
        </div>
        <div className={`card stat ${s && s.agents.ok < s.agents.total ? 'warnc' : ''}`}>
          <h2>Fleet</h2>
          <p className="big">
            {s ? `${s.agents.ok}/${s.agents.total}` : '…'} <small>agents ok</small>
          </p>
          <p className="small">
            {s
              ? `${s.locations} locations · ${s.agents.failStatic} fail-static · ${s.agents.refused} refused · ${s.agents.error} error`
              : ''}
          </p>
        </div>
        <div className={`card stat ${session.incident.on ? 'bad' : ''}`}>
          <h2>Incident mode</h2>
          <p className="big">{session.incident.on ? 'ON' : 'off'}</p>
          <button
            type="button"
            className={session.incident.on ? '' : 'danger'}
            onClick={() =>
              act(
                session.incident.on ? 'Turn incident mode off' : 'Turn incident mode on',
                '/v1/incident-mode',
                { on: !session.incident.on },
                !session.incident.on,
                session.incident.on
                  ? undefined
                  : 'Customer writes will be frozen except re-advertise, restore bindings and return to a known-good snapshot.',
              )
            }
          >
            {session.incident.on ? 'Turn off' : 'Turn on'}
          </button>
        </div>
      </section>
      {msg && (
        <p role="status" className={msg.ok ? 'okmsg' : 'error'}>
          {msg.text}
        </p>
      )}
      <section aria-labelledby="h-ann" className="panel">
        <h2 id="h-ann">Prefixes announced, last 15 minutes</h2>
        {h && h.at.length > 0 ? (
          <div className="charts">
            <Chart title="All locations: configured vs announced (prefix × location)" at={h.at} lines={totals} />
            <Chart title="Announced per location (agents' reports)" at={h.at} lines={perLoc} />
          </div>
        ) : (
          <p className="muted">No samples yet.</p>
        )}
        {h && last >= 0 && (
          <table className="loc-table" data-testid="locations-now">
            <caption>Per location now</caption>
            <thead>
              <tr>
                <th scope="col">location</th>
                <th scope="col">configured</th>
                <th scope="col">announced</th>
                <th scope="col">Δ</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(h.locations).map(([l, v]) => {
                const c = v.configured[last] ?? 0;
                const a = v.announced[last] ?? 0;
                return (
                  <tr key={l} data-location={l}>
                    <th scope="row">
                      {l} {canary.has(l) && <span className="badge">canary</span>}
                    </th>
                    <td className="num">{c}</td>
                    <td className="num">{a}</td>
                    <td className={`num ${a !== c ? 'warn' : ''}`}>{a - c}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="h-roll" className="panel">
        <h2 id="h-roll">Rollouts in flight</h2>
        {inFlight.length === 0 && <p className="muted">None.</p>}
        {inFlight.map((r) => (
          <RolloutCard
            key={r.id}
            r={r}
            onAct={(title, path, danger, detail, body) => act(title, path, body ?? {}, danger, detail)}
          />
        ))}
        <details>
          <summary>Recent rollouts ({recent.length})</summary>
          {recent.map((r) => (
            <RolloutCard
              key={r.id}
              r={r}
              onAct={(title, path, danger, detail, body) => act(title, path, body ?? {}, danger, detail)}
            />
          ))}
        </details>
      </section>
      <section aria-labelledby="h-rb" className="panel">
        <h2 id="h-rb">Rollback</h2>
        <form
          className="row wrap"
          onSubmit={(e) => {
            e.preventDefault();
            void act(
              acct ? `Roll account back to #${to}` : `Roll the network back to #${to}`,
              '/v1/rollback',
              { to, ...(acct ? { account: acct } : {}) },
              true,
            );
          }}
        >
          <label>
            Snapshot
            <select value={to} onChange={(e) => setTo(e.target.value)} required>
              <option value="">choose…</option>
              {(snaps.data ?? []).map((x) => (
                <option key={x.id} value={String(x.number)}>
                  #{x.number} · {x.origin} · {x.announcements} prefixes · {x.createdAt.slice(11, 19)}Z
                </option>
              ))}
            </select>
          </label>
          <label>
            Scope
            <select value={acct} onChange={(e) => setAcct(e.target.value)}>
              <option value="">whole network</option>
              {(accounts.data ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="danger" disabled={!to}>
            Roll back
          </button>
        </form>
      </section>
    </div>
  );
}
