// The pending-delete cleanup job (the task of 20 February 2026, done safely). It acts under its own
// identity, selects by an explicit state (never "no filter"), names every id it deletes, re-checks the
// state under a row lock through the same service path as the API, and stops before changing anything
// when it finds more work than its cap allows.
import { addrError } from './errors.js';
import type { Actor } from './model.js';
import type { AddressingService } from './service.js';

export const CLEANUP_JOB_ID = 'job:pending-delete-cleanup';

export interface CleanupOptions {
  /** Correlates the job's audit entries. */
  runId: string;
  /** The most prefixes one run may delete; more candidates abort the run before any change. */
  maxDeletes: number;
  /** List only, change nothing. */
  dryRun?: boolean;
}

export interface CleanupReport {
  run_id: string;
  candidates: string[];
  deleted: string[];
  /** Prefixes left alone, with the reason (still bound or advertised, no longer pending_delete). */
  skipped: { id: string; code: string; message: string }[];
}

export function cleanupActor(runId: string): Actor {
  return { kind: 'job', id: CLEANUP_JOB_ID, account_id: null, scopes: ['operator'], request_id: runId };
}

export async function runPendingDeleteCleanup(
  service: AddressingService,
  opts: CleanupOptions,
): Promise<CleanupReport> {
  const actor = cleanupActor(opts.runId);
  const candidates: { id: string; account_id: string }[] = [];
  let after = '';
  for (;;) {
    const page = await service.prefixes.inState(actor, 'pending_delete', after, 500);
    for (const p of page) {
      if (p.state !== 'pending_delete')
        throw new Error(`store returned prefix ${p.id} in state ${p.state} for state=pending_delete`);
      candidates.push({ id: p.id, account_id: p.account_id });
    }
    if (page.length < 500) break;
    after = page[page.length - 1]?.id ?? after;
  }
  const report: CleanupReport = {
    run_id: opts.runId,
    candidates: candidates.map((c) => c.id),
    deleted: [],
    skipped: [],
  };
  if (candidates.length > opts.maxDeletes) {
    throw addrError(
      'E_ADDR_JOB_CAP',
      `${candidates.length} prefixes are pending deletion, more than this job's cap of ${opts.maxDeletes}; nothing deleted`,
      {
        candidates: report.candidates,
      },
    );
  }
  if (opts.dryRun) return report;
  for (const c of candidates) {
    try {
      await service.prefixes.delete(actor, c.account_id, c.id, { expectState: 'pending_delete' });
      report.deleted.push(c.id);
    } catch (e) {
      const err = e as { code?: string; message: string };
      if (!err.code?.startsWith('E_ADDR_')) throw e;
      report.skipped.push({ id: c.id, code: err.code, message: err.message });
    }
  }
  return report;
}
