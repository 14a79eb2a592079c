// The report an edge agent gives about itself: written by src/edge, read by src/rollout gates and
// the fleet. It lives here because both layers may import src/snapshot (edge may not import rollout).

/** What one edge agent says about itself. */
export interface AgentReport {
  agentId: string;
  location: string;
  node: string;
  /** Id of the snapshot the agent applied last, or null before the first one. */
  appliedSnapshot: string | null;
  /** Set digest and size of what its BGP speaker actually announces (read back from the speaker). */
  announceDigest: string | null;
  announceCount: number;
  bindingDigest: string | null;
  bindingCount: number;
  /**
   * ok: applied and in sync; fail-static: lost the control plane, keeps its last snapshot; refused: it
   * rejected the last snapshot (e.g. withdraw-all without a mark); error: the speaker failed to apply.
   */
  state: 'ok' | 'fail-static' | 'refused' | 'error';
  detail: string | null;
  /** When the agent produced this report (ms). */
  reportedAt: number;
}
