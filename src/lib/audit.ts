// One audit vocabulary for every change failsmall makes: Addressing API writes, rollout commands (approve,
// reset, rollback, ...), jobs and the engine's own automatic actions. One Actor, one entry shape, one log
// (the store implements it); a change and its entry are written in the same transaction.

/**
 * Who acts. `token`: an API token (its id); `person`: a token issued to a named human (approvals need one);
 * `job`: an automated task with its own identity (`job:pending-delete-cleanup`); `agent`: an edge agent;
 * `cli`: the admin command line on the server's host; `system`: the control loop itself (breaker trips,
 * automatic rollbacks).
 */
export type ActorKind = 'token' | 'person' | 'job' | 'agent' | 'cli' | 'system';

export interface Actor {
  readonly kind: ActorKind;
  /** Token id, job name, agent id, `cli:<user>` or `system:<component>`. */
  readonly id: string;
  /** The account the actor belongs to, or null for global (operator, admin, system) actors. */
  readonly account_id: string | null;
  readonly scopes: readonly string[];
  /** Correlates the audit entry with the request log. */
  readonly request_id: string;
  /** A job's caps (kind `job`): changes per run and per hour, counted in the one audit log. */
  readonly caps?: JobCaps;
  /** A job's run: what its cap per run counts within (recorded as `job_run` on its audit entries). */
  readonly run?: string;
}

/** How many changes (audit entries) a job may make in one run and in any hour. */
export interface JobCaps {
  readonly perRun: number;
  readonly perHour: number;
}

/** One audited change. `before`/`after` are the object's states (null when created or deleted). */
export interface AuditEvent {
  readonly id: string;
  /** ISO-8601. */
  readonly at: string;
  /** The account whose data changed, or null for global objects (snapshots, rollouts, the breaker). */
  readonly account_id: string | null;
  readonly actor_kind: ActorKind;
  readonly actor_id: string;
  /**
   * The account the actor is bound to (a customer's token: its account; a delegated account changing
   * bindings inside the owner's prefix: the delegated account, and the entry is in the audit log of
   * both); null for a global actor (an operator's or a job's token, the CLI). Absent, or null in entries
   * written before it was always recorded: unknown, never taken as the account's own change.
   */
  readonly actor_account_id?: string | null;
  readonly request_id: string;
  /** Dotted verb: `bgp_prefix.advertise`, `rollout.approve`, `breaker.reset`, ... */
  readonly action: string;
  readonly object_type: string;
  readonly object_id: string;
  readonly before: unknown;
  readonly after: unknown;
  /** The reason an operator gave, or the rule that acted; null when none applies. */
  readonly reason: string | null;
  /** The run of a job actor (its cap per run counts entries of one run); absent or null otherwise. */
  readonly job_run?: string | null;
}

/**
 * The one audit log (src/store implements it over one table): addressing changes, rollout commands and
 * the control loop's own actions. `append` writes events in order; a list is newest first.
 */
export interface AuditLog {
  append(events: readonly AuditEvent[]): Promise<void>;
  list(filter: AuditFilter): Promise<{ items: AuditEvent[]; total_count: number }>;
}

export interface AuditFilter {
  /** Entries about this account's data or made by this account's actors; null: entries of no account. */
  readonly account_id?: string | null;
  /** Only these object types (e.g. the rollout log: rollout, breaker, snapshot). */
  readonly object_types?: readonly string[];
  readonly page: number;
  readonly per_page: number;
}
