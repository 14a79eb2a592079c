// One account as its customer sees it with its own token (an operator picks any account): prefixes,
// BGP prefixes with advertise switches and their real state at the edge, bindings, delegations, the
// change history, and the safe self-service actions. Every call is the Addressing API or the console
// API with the signed-in token: the server decides what this token may see and do.
import { useState } from 'react';
import { type AccountOverview, type BgpPrefix, type EdgeStatus, get, patch, post, type Session } from './api';
import { fmtTime, useData, useTicks } from './live';
import { useReason } from './Reason';
import { Scroll } from './Scroll';

function edgeText(e: EdgeStatus | null): string {
  if (!e) return 'unknown';
  switch (e.state) {
    case 'live':
      return `live at ${e.locations_live} of ${e.locations_total}`;
    case 'deploying':
      return `deploying: ${e.locations_live} of ${e.locations_total} locations`;
    case 'held':
      return 'held by the breaker';
    case 'pending':
      return 'pending: not yet in a snapshot';
    case 'withdrawn':
      return 'withdrawn';
  }
}

function BgpRow({
  b,
  accountId,
  onDone,
}: {
  b: BgpPrefix;
  accountId: string;
  onDone: (msg: string, ok: boolean) => void;
}) {
  const [busy, setBusy] = useState(false);
  const adv = b.on_demand.advertised;
  return (
    <tr data-cidr={b.cidr}>
      <th scope="row">
        <code>{b.cidr}</code>
      </th>
      <td>
        <button
          type="button"
          role="switch"
          aria-checked={adv}
          aria-label={`Advertise ${b.cidr}`}
          className={`switch ${adv ? 'on' : ''}`}
          disabled={busy || b.on_demand.on_demand_locked}
          onClick={async () => {
            setBusy(true);
            try {
              await patch(`/client/v4/accounts/${accountId}/addressing/prefixes/${b.prefix_id}/bgp/prefixes/${b.id}`, {
                on_demand: { advertised: !adv },
              });
              onDone(`${b.cidr}: ${adv ? 'withdraw' : 'advertise'} accepted`, true);
            } catch (e) {
              onDone(`${b.cidr}: ${(e as Error).message}`, false);
            } finally {
              setBusy(false);
            }
          }}
        >
          <span aria-hidden="true">{adv ? 'advertised' : 'withdrawn'}</span>
        </button>
      </td>
      <td>
        <span className={`badge edge-${b.edge?.state ?? 'unknown'}`} data-testid="edge-state">
          {edgeText(b.edge)}
        </span>
        {b.edge?.snapshot ? <small className="muted"> · #{b.edge.snapshot}</small> : null}
      </td>
    </tr>
  );
}

export function AccountView({ accountId, session }: { accountId: string | null; session: Session }) {
  const t = useTicks();
  const ask = useReason();
  const accounts = useData(
    () => (accountId ? Promise.resolve([]) : get<{ id: string; name: string; prefixes: number }[]>('/v1/accounts')),
    [accountId],
  );
  const [picked, setPicked] = useState('');
  const id = accountId ?? picked;
  const ov = useData(
    () => (id ? get<AccountOverview>(`/v1/accounts/${id}/overview`) : Promise.resolve(null)),
    [id, t.account, t.edge, t.incident],
  );
  const [msg, setMsg] = useState<{ text: string; ok: boolean } | null>(null);
  const [snap, setSnap] = useState('');
  const done = (text: string, ok: boolean) => {
    setMsg({ text, ok });
    ov.reload();
  };
  const o = ov.data;
  return (
    <div className="account">
      {!accountId && (
        <label className="picker">
          Account
          <select value={picked} onChange={(e) => setPicked(e.target.value)}>
            <option value="">choose…</option>
            {(accounts.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.prefixes})
              </option>
            ))}
          </select>
        </label>
      )}
      {ov.error && (
        <p role="alert" className="error">
          {ov.error}
        </p>
      )}
      {msg && (
        <p role="status" className={msg.ok ? 'okmsg' : 'error'}>
          {msg.text}
        </p>
      )}
      {o && (
        <>
          <h1>{o.account.name ?? 'Your account'}</h1>
          <p className="muted small">
            Account <code>{o.account.id}</code>
            {session.incident.on && ' · incident mode: only safe actions are accepted'}
          </p>
          <section className="panel" aria-labelledby="h-px">
            <h2 id="h-px">Prefixes and BGP announcements</h2>
            {o.prefixes.map((p) => (
              <article key={p.id} className="card prefix">
                <h3>
                  <code>{p.cidr}</code>{' '}
                  <small className="muted">
                    AS{p.asn} · {p.description} · {p.approved === 'V' ? 'validated' : 'pending validation'}
                  </small>
                </h3>
                <table>
                  <caption className="sr-only">BGP prefixes of {p.cidr}</caption>
                  <thead>
                    <tr>
                      <th scope="col">BGP prefix</th>
                      <th scope="col">advertise</th>
                      <th scope="col">at the edge</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.bgp_prefixes.map((b) => (
                      <BgpRow key={b.id} b={b} accountId={o.account.id} onDone={done} />
                    ))}
                  </tbody>
                </table>
                <p className="small">
                  Bindings:{' '}
                  {p.bindings.length === 0 ? (
                    <span className="warn">none</span>
                  ) : (
                    p.bindings.map((b) => `${b.cidr} → ${b.service_name}`).join(', ')
                  )}
                  {p.delegations.length > 0 && ` · delegated: ${p.delegations.map((d) => d.cidr).join(', ')}`}
                </p>
              </article>
            ))}
            {o.prefixes.length === 0 && <p className="muted">No prefixes.</p>}
          </section>
          <section className="panel" aria-labelledby="h-self">
            <h2 id="h-self">Undo</h2>
            <div className="row wrap">
              <div className="card grow">
                <h3>Revert my last change</h3>
                <p className="small">
                  {o.last_change
                    ? o.last_change.unsupported
                      ? o.last_change.unsupported
                      : `${o.last_change.entry.action} at ${fmtTime(o.last_change.entry.at)} → ${o.last_change.inverse}`
                    : 'No change yet.'}
                </p>
                <button
                  type="button"
                  disabled={!o.last_change || Boolean(o.last_change.unsupported)}
                  onClick={async () => {
                    const reason = await ask({
                      title: 'Revert my last change',
                      confirm: 'Revert',
                      detail: o.last_change?.inverse ?? undefined,
                    });
                    if (!reason) return;
                    try {
                      const r = await post<{ inverse: string }>(`/v1/accounts/${o.account.id}/revert-last-change`, {
                        reason,
                      });
                      done(`Reverted: ${r.inverse}`, true);
                    } catch (e) {
                      done((e as Error).message, false);
                    }
                  }}
                >
                  Revert
                </button>
              </div>
              <form
                className="card grow"
                onSubmit={async (e) => {
                  e.preventDefault();
                  const reason = await ask({
                    title: `Return my account to snapshot #${snap}`,
                    confirm: 'Return',
                    detail: 'Your prefixes and bindings at the edge become what they were in that snapshot.',
                  });
                  if (!reason) return;
                  try {
                    const r = await post<{ snapshot: { number: number } }>(
                      `/v1/accounts/${o.account.id}/return-to-snapshot`,
                      { snapshot: Number(snap), reason },
                    );
                    done(`Returning to #${snap}: snapshot #${r.snapshot.number} is rolling out`, true);
                  } catch (x) {
                    done((x as Error).message, false);
                  }
                }}
              >
                <h3>Return my account to a known-good snapshot</h3>
                <label>
                  Snapshot
                  <select value={snap} onChange={(e) => setSnap(e.target.value)} required>
                    <option value="">choose…</option>
                    {o.snapshots.map((s) => (
                      <option key={s.id} value={s.number}>
                        #{s.number} · {s.created_at.slice(0, 19).replace('T', ' ')}Z · {s.announcements} of your
                        prefixes
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit" disabled={!snap}>
                  Return
                </button>
              </form>
            </div>
          </section>
          <section className="panel" aria-labelledby="h-hist">
            <h2 id="h-hist">Change history</h2>
            <Scroll label="Change history">
              <table>
                <caption className="sr-only">Changes to this account, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">when</th>
                    <th scope="col">what</th>
                    <th scope="col">object</th>
                    <th scope="col">by</th>
                  </tr>
                </thead>
                <tbody>
                  {o.history.map((h) => (
                    <tr key={h.id}>
                      <td>{fmtTime(h.at)}</td>
                      <td>{h.action}</td>
                      <td>
                        <code>{((h.after ?? h.before) as { cidr?: string } | null)?.cidr ?? h.object_type}</code>
                      </td>
                      <td className="small">
                        {h.actor_id.length > 24 ? `${h.actor_kind} ${h.actor_id.slice(0, 8)}…` : h.actor_id}
                      </td>
                    </tr>
                  ))}
                  {o.rollbacks.map((r) => (
                    <tr key={r.id}>
                      <td>{fmtTime(r.at)}</td>
                      <td>{r.action}</td>
                      <td>{r.reason}</td>
                      <td className="small">
                        {r.actor_kind}:{r.actor_id}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Scroll>
          </section>
        </>
      )}
    </div>
  );
}
