import { useEffect, useState } from 'react';
import { AccountView } from './AccountView';
import { ApiError, followEvents, get, type Session, tokenStore } from './api';
import { AlertsView, AuditView } from './FeedsView';
import { LiveCtx, type Ticks } from './live';
import { NetworkView } from './NetworkView';
import { ReasonProvider } from './Reason';

type Tab = 'network' | 'accounts' | 'alerts' | 'audit';

function SignIn({ onSession, error }: { onSession: (s: Session) => void; error: string | null }) {
  const [token, setToken] = useState('');
  const [err, setErr] = useState<string | null>(error);
  const [busy, setBusy] = useState(false);
  return (
    <main className="signin">
      <h1>failsmall console</h1>
      <p className="muted">
        Sign in with an API token: the operator token that <code>npm start</code> prints, or a customer token.
      </p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          tokenStore.set(token.trim());
          try {
            onSession(await get<Session>('/v1/console/session'));
          } catch (x) {
            tokenStore.clear();
            setErr(
              x instanceof ApiError && x.status === 401
                ? 'That token is unknown, revoked or malformed.'
                : (x as Error).message,
            );
          } finally {
            setBusy(false);
          }
        }}
      >
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
        />
        <button type="submit" className="primary" disabled={busy || !token.trim()}>
          Sign in
        </button>
        {err && (
          <p role="alert" className="error">
            {err}
          </p>
        )}
      </form>
      <p className="muted small">
        The token stays in this tab's session storage and is sent only as an Authorization header.
      </p>
    </main>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(Boolean(tokenStore.get()));
  const [tab, setTab] = useState<Tab>('network');
  const [ticks, setTicks] = useState<Ticks>({});
  const [live, setLive] = useState(false);

  useEffect(() => {
    if (!tokenStore.get()) return;
    get<Session>('/v1/console/session')
      .then(setSession, () => tokenStore.clear())
      .finally(() => setChecking(false));
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: one stream per signed-in token, not per session update
  useEffect(() => {
    if (!session) return;
    const ac = new AbortController();
    void followEvents(
      (type, data) => {
        setTicks((t) => ({ ...t, [type]: (t[type] ?? 0) + 1 }));
        if (type === 'incident' || type === 'hello') {
          const inc =
            (data as { data?: Session['incident']; incident?: Session['incident'] }).data ??
            (data as { incident?: Session['incident'] }).incident;
          if (inc) setSession((s) => (s ? { ...s, incident: inc } : s));
        }
      },
      setLive,
      ac.signal,
    );
    return () => ac.abort();
  }, [session?.token.id]);

  if (checking) return <main className="signin" aria-busy="true" />;
  if (!session) return <SignIn onSession={setSession} error={null} />;
  const operator = session.role === 'operator';
  const tabs: [Tab, string][] = operator
    ? [
        ['network', 'Network'],
        ['accounts', 'Accounts'],
        ['alerts', 'Alerts'],
        ['audit', 'Audit'],
      ]
    : [];
  return (
    <LiveCtx.Provider value={ticks}>
      <ReasonProvider>
        <header className="top">
          <span className="brand">failsmall</span>
          {tabs.length > 0 && (
            <nav aria-label="Views">
              {tabs.map(([t, label]) => (
                <button
                  key={t}
                  type="button"
                  className={`tab ${tab === t ? 'on' : ''}`}
                  aria-current={tab === t ? 'page' : undefined}
                  onClick={() => setTab(t)}
                >
                  {label}
                </button>
              ))}
            </nav>
          )}
          <span className="spacer" />
          <span className={`live ${live ? 'ok' : 'down'}`} role="status">
            {live ? '● live' : '○ reconnecting'}
          </span>
          <span className="who" title={session.token.scopes.join(', ')}>
            {session.token.name} · {session.role}
          </span>
          <button
            type="button"
            onClick={() => {
              tokenStore.clear();
              setSession(null);
            }}
          >
            Sign out
          </button>
        </header>
        {session.incident.on && (
          <div className="incident" role="alert">
            <strong>Incident mode</strong> since {session.incident.since?.slice(11, 19)}Z by {session.incident.by}:{' '}
            {session.incident.reason}.{' '}
            {operator
              ? 'Customer writes are frozen except the safe set.'
              : 'Only re-advertising, restoring bindings and returning to a known-good snapshot are allowed; each is audited.'}
          </div>
        )}
        <main className="content">
          {!operator && session.account_id && <AccountView accountId={session.account_id} session={session} />}
          {operator && tab === 'network' && <NetworkView session={session} />}
          {operator && tab === 'accounts' && <AccountView accountId={null} session={session} />}
          {operator && tab === 'alerts' && <AlertsView />}
          {operator && tab === 'audit' && <AuditView />}
        </main>
      </ReasonProvider>
    </LiveCtx.Provider>
  );
}
