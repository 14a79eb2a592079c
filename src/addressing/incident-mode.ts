// Incident mode: an operator's switch that freezes customer writes except a narrow safe set. On
// 20 February 2026 the customers who restored their own service did it by re-advertising; during an
// incident every other customer write is a change nobody can review (and more churn for the guard to
// judge). With the switch on, a customer token may only:
// - re-advertise a BGP prefix (advertised: true, nothing else in the body);
// - restore a service binding (create one; removing is frozen);
// - return its own account to a known-good snapshot, or revert its last change when the inverse is one
//   of the two above (the console routes check the inverse and the snapshot themselves).
// Operators are never frozen: they are the ones running the incident. Pure: state and request in, decision out.
import { type ErrorCodeTable, FailsmallError } from '../lib/errors.js';
import type { Actor } from './model.js';

export const INCIDENT_ERROR_CODES = {
  E_INCIDENT_FROZEN:
    'Incident mode is on: customer writes are frozen except re-advertising, restoring bindings and returning to a known-good snapshot.',
  E_INCIDENT_REASON_REQUIRED: 'Switching incident mode on or off needs a reason (it is audited).',
  E_CONSOLE_NOTHING_TO_REVERT: 'The account has no change of its own that can be reverted.',
  E_CONSOLE_REVERT_UNSUPPORTED:
    'The last change cannot be reverted automatically (only advertise/withdraw and binding changes can); the message names it.',
  E_CONSOLE_NOT_GOOD_SNAPSHOT:
    'The snapshot is not one the network completed (known good), or does not exist; only those are return targets.',
} as const satisfies ErrorCodeTable;

export type IncidentErrorCode = keyof typeof INCIDENT_ERROR_CODES;

export function incidentError(code: IncidentErrorCode, message: string, details?: Record<string, unknown>) {
  return new FailsmallError(code, message, details);
}

export interface IncidentModeState {
  on: boolean;
  /** ISO time of the last switch, or null if never switched. */
  since: string | null;
  by: string | null;
  reason: string | null;
}

export const INCIDENT_OFF: IncidentModeState = { on: false, since: null, by: null, reason: null };

export type SafeAction = 're-advertise' | 'restore-binding' | 'return-to-snapshot' | 'revert-last-change';

/** A write as the HTTP adapter sees it: method, the route's pattern (not the raw URL) and the parsed body. */
export interface WriteRequest {
  method: string;
  route: string;
  body: unknown;
}

const A = '/client/v4/accounts/:account_id/addressing';

/** Route patterns of the safe set, each with the body test that keeps it narrow. */
const SAFE_ROUTES: readonly { method: string; route: string; action: SafeAction; body: (b: unknown) => boolean }[] = [
  {
    method: 'PATCH',
    route: `${A}/prefixes/:prefix_id/bgp/prefixes/:bgp_prefix_id`,
    action: 're-advertise',
    body: (b) => isExactly(b, { on_demand: { advertised: true } }),
  },
  {
    method: 'PATCH',
    route: `${A}/prefixes/:prefix_id/bgp/status`,
    action: 're-advertise',
    body: (b) => isExactly(b, { advertised: true }),
  },
  { method: 'POST', route: `${A}/prefixes/:prefix_id/bindings`, action: 'restore-binding', body: () => true },
  {
    method: 'POST',
    route: '/v1/accounts/:account_id/return-to-snapshot',
    action: 'return-to-snapshot',
    body: () => true,
  },
  {
    method: 'POST',
    route: '/v1/accounts/:account_id/revert-last-change',
    action: 'revert-last-change',
    body: () => true,
  },
];

function isExactly(v: unknown, want: unknown): boolean {
  if (typeof want !== 'object' || want === null) return v === want;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const wk = Object.keys(want);
  const vk = Object.keys(v);
  if (wk.length !== vk.length) return false;
  return wk.every((k) => isExactly((v as Record<string, unknown>)[k], (want as Record<string, unknown>)[k]));
}

/** The safe action a write is, or null when it is none of them. */
export function safeAction(w: WriteRequest): SafeAction | null {
  const hit = SAFE_ROUTES.find((s) => s.method === w.method && s.route === w.route && s.body(w.body));
  return hit?.action ?? null;
}

const isOperator = (a: Pick<Actor, 'scopes'>) => a.scopes.includes('operator') || a.scopes.includes('admin');

export type IncidentDecision =
  | { allow: true; safe: SafeAction | null; audited: boolean }
  | { allow: false; error: FailsmallError };

/**
 * May `actor` make this write now? Reads are never asked. `audited` says the write must be recorded as
 * a safe action taken during incident mode.
 */
export function incidentDecision(
  state: IncidentModeState,
  actor: Pick<Actor, 'scopes'>,
  w: WriteRequest,
): IncidentDecision {
  const safe = safeAction(w);
  if (!state.on || isOperator(actor)) return { allow: true, safe, audited: false };
  if (safe) return { allow: true, safe, audited: true };
  return {
    allow: false,
    error: incidentError(
      'E_INCIDENT_FROZEN',
      `incident mode is on since ${state.since} (${state.reason}): customer writes are frozen; allowed: re-advertise a BGP prefix, restore a service binding, return the account to a known-good snapshot`,
    ),
  };
}

/** The state after an operator's switch; the reason is mandatory both ways. */
export function switchIncidentMode(on: boolean, by: string, reason: string, at: string): IncidentModeState {
  if (reason.trim() === '')
    throw incidentError('E_INCIDENT_REASON_REQUIRED', `switching incident mode ${on ? 'on' : 'off'} needs a reason`);
  return { on, since: at, by, reason };
}
