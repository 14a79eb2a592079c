// Error codes of the monitor (configuration, prefixes.yml, feeds, channels). Registered in
// src/bin/error-codes.ts; docs/ERRORS.md is generated from this table.
import type { ErrorCodeTable } from '../lib/errors.js';

export const MONITOR_ERROR_CODES = {
  E_MONITOR_CONFIG:
    'monitor.yml is not valid: not YAML, an unknown key, or a key with the wrong type; the message names the key.',
  E_MONITOR_PREFIXES:
    'The prefixes file (BGPalerter prefixes.yml format) is not valid: a bad prefix, a missing or bad asn, or a bad options.monitorASns entry.',
  E_MONITOR_FILE: 'A file named by monitor.yml or given to `failsmall monitor` cannot be read or decompressed.',
  E_MONITOR_LISTEN:
    'A monitor feed cannot listen on its configured address (in use, not local, or malformed host:port).',
  E_MONITOR_CHANNEL: 'A notification channel is misconfigured (missing url/secret/address/path, unknown type).',
} as const satisfies ErrorCodeTable;

export type MonitorErrorCode = keyof typeof MONITOR_ERROR_CODES;
