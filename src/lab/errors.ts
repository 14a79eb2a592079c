// Codes of the lab (src/lab): what keeps `failsmall replay byoip-2026-02-20 --lab` (and the lab itself)
// from running on this host. The command prints `error CODE: message` and exits 1.
import type { ErrorCodeTable } from '../lib/errors.js';

export const LAB_ERROR_CODES = {
  E_LAB_NOT_ROOT: 'The lab needs root: it makes network namespaces and runs BIRD and FRR in them (run with sudo).',
  E_LAB_TOOL_MISSING:
    'The lab needs BIRD 2 (bird, birdc), FRR (vtysh, /usr/lib/frr/zebra and bgpd) and iproute2 (ip); the message names what is missing.',
} as const satisfies ErrorCodeTable;

export type LabErrorCode = keyof typeof LAB_ERROR_CODES;
