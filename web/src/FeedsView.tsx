// Alerts (guard, gates, agents; monitors and probes through their verdicts) and the audit log, with filters.
import { useState } from 'react';
import { type Alert, type AuditEvent, get } from './api';
import { fmtTime, useData, useTicks } from './live';
import { Scroll } from './Scroll';

const qs = (o: Record<string, string>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v.trim()) p.set(k, v.trim());
  const s = p.toString();
  return s ? `?${s}` : '';
};

export function AlertsView() {
  const t = useTicks();
  const [severity, setSeverity] = useState('');
  const [source, setSource] = useState('');
  const alerts = useData(() => get<Alert[]>(`/v1/alerts${qs({ severity, source })}`), [severity, source, t.status]);
  return (
    <section className="panel" aria-labelledby="h-alerts">
      <h1 id="h-alerts">Alerts</h1>
      <form className="row wrap filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Severity
          <select value={severity} onChange={(e) => setSeverity(e.target.value)}>
            <option value="">any</option>
            <option value="critical">critical</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>
        </label>
        <label>
          Source
          <input value={source} onChange={(e) => setSource(e.target.value)} placeholder="guard, gate, agent, probe…" />
        </label>
      </form>
      {alerts.error && <p className="error">{alerts.error}</p>}
      <ul className="alerts">
        {(alerts.data ?? []).map((a) => (
          <li key={a.id} className={`alert ${a.severity} ${a.active ? 'active' : ''}`}>
            <span className={`badge ${a.severity}`}>{a.severity}</span> <strong>{a.title}</strong>{' '}
            <small className="muted">
              {a.source} · {fmtTime(a.at)} {a.active ? '· active' : ''}
            </small>
            <div className="small">{a.detail}</div>
          </li>
        ))}
        {alerts.data?.length === 0 && <li className="muted">No alerts match.</li>}
      </ul>
    </section>
  );
}

export function AuditView() {
  const t = useTicks();
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [target, setTarget] = useState('');
  const audit = useData(
    () => get<AuditEvent[]>(`/v1/audit${qs({ actor, action, target })}`),
    [actor, action, target, t.audit],
  );
  return (
    <section className="panel" aria-labelledby="h-audit">
      <h1 id="h-audit">Audit log</h1>
      <form className="row wrap filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Actor
          <input value={actor} onChange={(e) => setActor(e.target.value)} />
        </label>
        <label>
          Action (prefix)
          <input
            value={action}
            onChange={(e) => setAction(e.target.value)}
            placeholder="rollout., incident_mode, breaker."
          />
        </label>
        <label>
          Target
          <input value={target} onChange={(e) => setTarget(e.target.value)} />
        </label>
      </form>
      <Scroll label="Audit records">
        <table>
          <caption className="sr-only">Audit records, newest first</caption>
          <thead>
            <tr>
              <th scope="col">when</th>
              <th scope="col">actor</th>
              <th scope="col">action</th>
              <th scope="col">target</th>
              <th scope="col">reason</th>
            </tr>
          </thead>
          <tbody>
            {(audit.data ?? []).map((a) => (
              <tr key={a.id} className={a.object_type === 'incident_mode' ? 'incident-row' : ''}>
                <td>{fmtTime(a.at)}</td>
                <td className="small">
                  {a.actor_kind}:{a.actor_id}
                </td>
                <td>{a.action}</td>
                <td className="small">
                  {a.object_type}:{a.object_id}
                </td>
                <td>{a.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    </section>
  );
}
