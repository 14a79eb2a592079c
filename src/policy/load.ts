// One entry point for the front ends: a configuration text (and its file name, for traces) to the model,
// with the vendor detected from the text unless the caller names it.
import { FailsmallError } from '../lib/errors.js';
import type { PolicyProgram, Vendor } from './model.js';
import { parseFrr } from './vendors/frr/convert.js';
import { parseJunos } from './vendors/junos/convert.js';

/** Junos or FRR, from the shape of the text. */
export function detectVendor(text: string): Vendor {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'));
  let frr = 0;
  let junos = 0;
  for (const l of lines.slice(0, 400)) {
    if (
      /^(router bgp|route-map \S+ (permit|deny)|ip(v6)? prefix-list|bgp (community-list|as-path|large-community-list)|frr (version|defaults)|hostname |log |line vty|address-family |neighbor )/.test(
        l,
      )
    )
      frr++;
    if (
      /^(set|deactivate|delete|activate) (policy-options|protocols|routing-options|interfaces|system|groups|routing-instances|apply-groups|firewall|snmp|chassis|version)\b/.test(
        l,
      )
    )
      junos++;
    if (/[{}]\s*$/.test(l) || /;\s*$/.test(l)) junos++;
  }
  if (frr === 0 && junos === 0) {
    throw new FailsmallError(
      'E_POLICY_VENDOR',
      'cannot tell the vendor of the configuration: neither Junos nor FRR syntax; pass --vendor',
    );
  }
  return frr > junos ? 'frr' : 'junos';
}

export function loadConfig(text: string, file: string, vendor?: Vendor): PolicyProgram {
  const v = vendor ?? detectVendor(text);
  return v === 'frr' ? parseFrr(text, file) : parseJunos(text, file);
}
