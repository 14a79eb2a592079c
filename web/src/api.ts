// The console's only way to the control plane: the HTTP API with the signed-in token as a Bearer
// header. The token lives in session storage (gone with the tab), never in a URL. Live updates come as
// server-sent events read with fetch (EventSource cannot send the header).
const KEY = 'failsmall.token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (t: string) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Envelope<T> {
  success: boolean;
  result: T;
  errors: { error_code?: string; message: string }[];
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = tokenStore.get();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  let env: Envelope<T>;
  try {
    env = (await r.json()) as Envelope<T>;
  } catch {
    throw new ApiError(r.status, 'E_API_INTERNAL', `${method} ${path}: ${r.status} ${r.statusText}`);
  }
  if (!r.ok || !env.success) {
    const e = env.errors?.[0];
    throw new ApiError(r.status, e?.error_code ?? 'E_API_INTERNAL', e?.message ?? `${r.status}`);
  }
  return env.result;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown) => api<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);

export type EventHandler = (type: string, data: unknown) => void;

/** Follows /v1/events until `signal` aborts; reconnects after a drop. */
export async function followEvents(onEvent: EventHandler, onState: (live: boolean) => void, signal: AbortSignal) {
  while (!signal.aborted) {
    try {
      const token = tokenStore.get();
      const r = await fetch('/v1/events', {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal,
      });
      if (!r.ok || !r.body) throw new Error(`events: ${r.status}`);
      onState(true);
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let type = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) onEvent(type, JSON.parse(data));
          i = buf.indexOf('\n\n');
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    onState(false);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

// ---- shapes the console reads (the server's own types where it has them) ---------------------------
import type { Alert } from '../../src/api/console-feeds.js';
import type { RolloutStatusView } from '../../src/rollout/control.js';
import type { AuditEvent, Rollout, SnapshotSummary } from '../../src/rollout/ports.js';

export type { Alert, AuditEvent, Rollout, SnapshotSummary };
export type Status = RolloutStatusView;

export interface Session {
  token: { id: string; name: string; scopes: string[] };
  role: 'operator' | 'customer';
  account_id: string | null;
  incident: Incident;
}
export interface Incident {
  on: boolean;
  since: string | null;
  by: string | null;
  reason: string | null;
}
export interface Series {
  at: number[];
  configured: number[];
  announced: number[];
  locations: Record<string, { configured: number[]; announced: number[] }>;
}
export interface EdgeStatus {
  state: 'pending' | 'deploying' | 'live' | 'held' | 'withdrawn';
  snapshot: number | null;
  locations_live: number;
  locations_total: number;
}
export interface BgpPrefix {
  id: string;
  prefix_id: string;
  cidr: string;
  on_demand: { advertised: boolean; on_demand_locked: boolean; advertised_modified_at: string | null };
  edge: EdgeStatus | null;
}
export interface AccountOverview {
  account: { id: string; name: string | null };
  prefixes: {
    id: string;
    cidr: string;
    asn: number;
    description: string;
    approved: string;
    bgp_prefixes: BgpPrefix[];
    bindings: { id: string; cidr: string; service_name: string; provisioning: { state: string } }[];
    delegations: { id: string; cidr: string; delegated_account_id: string }[];
  }[];
  history: {
    id: string;
    at: string;
    action: string;
    object_type: string;
    actor_id: string;
    actor_kind: string;
    after: unknown;
    before: unknown;
  }[];
  rollbacks: AuditEvent[];
  snapshots: { number: number; id: string; created_at: string; announcements: number }[];
  last_change: {
    entry: { action: string; at: string };
    inverse: string | null;
    restoring: boolean;
    unsupported: string | null;
  } | null;
}
