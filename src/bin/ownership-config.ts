// Where ownership evidence and the announceable space come from in `serve` (issue 10): the RPKI VRPs
// (FAILSMALL_VRPS: rpki-client JSON, Routinator JSON or CSV), IRR route objects (FAILSMALL_IRR_FILE:
// RPSL), the shortest announceable prefixes (FAILSMALL_MIN_PREFIX_LEN="8,19": IPv4, IPv6) and, for labs
// only, special-purpose space they may announce (FAILSMALL_LAB_SPACE="198.18.0.0/15,…"). Files are read
// once at start; a file that cannot be read or parsed stops the start rather than proving nothing quietly.
import { readFileSync } from 'node:fs';
import { type AnnounceSpace, DEFAULT_ANNOUNCE_SPACE } from '../addressing/announce-space.js';
import { type OwnershipEvidence, parseIrrRoutes, type RoaEvidence } from '../addressing/ownership.js';
import { formatPrefix, type Prefix, parsePrefix } from '../lib/prefix.js';
import { VrpIndex } from '../routing/rov.js';
import { parseRpki } from '../routing/rpki-load.js';

/** RoaEvidence over the configured VRPs: the first VRP that makes (prefix, asn) RPKI-valid. */
export function roaEvidence(index: VrpIndex): RoaEvidence {
  return {
    authorising(prefix: Prefix, asn: number): string | null {
      if (index.validate(prefix, asn) !== 'valid') return null;
      const v = index.covering(prefix).find((x) => x.asn === asn && x.maxLength >= prefix.len);
      return v ? `${formatPrefix(v.prefix)}-${v.maxLength} AS${v.asn}${v.ta ? ` (${v.ta})` : ''}` : null;
    },
  };
}

export interface OwnershipConfig {
  evidence: OwnershipEvidence;
  space: AnnounceSpace;
  /** One line per source, for the start log. */
  sources: string[];
}

export function ownershipConfig(env: NodeJS.ProcessEnv = process.env): OwnershipConfig {
  const sources: string[] = [];
  let roas: RoaEvidence | null = null;
  if (env.FAILSMALL_VRPS) {
    const data = parseRpki(readFileSync(env.FAILSMALL_VRPS));
    roas = roaEvidence(new VrpIndex(data.vrps));
    sources.push(`${data.vrps.length} VRPs from ${env.FAILSMALL_VRPS} (${data.format})`);
  }
  let irr: OwnershipEvidence['irr'] = [];
  if (env.FAILSMALL_IRR_FILE) {
    const parsed = parseIrrRoutes(readFileSync(env.FAILSMALL_IRR_FILE, 'utf8'));
    irr = parsed.routes;
    sources.push(
      `${parsed.routes.length} IRR route objects from ${env.FAILSMALL_IRR_FILE}` +
        (parsed.skipped.length ? ` (${parsed.skipped.length} unreadable skipped)` : ''),
    );
  }
  let minLength = DEFAULT_ANNOUNCE_SPACE.minLength;
  if (env.FAILSMALL_MIN_PREFIX_LEN) {
    const m = /^(\d{1,2}),(\d{1,3})$/.exec(env.FAILSMALL_MIN_PREFIX_LEN);
    if (!m || Number(m[1]) > 24 || Number(m[2]) > 48)
      throw new Error('FAILSMALL_MIN_PREFIX_LEN must be "<ipv4 length ≤ 24>,<ipv6 length ≤ 48>", e.g. "8,19"');
    minLength = { 4: Number(m[1]), 6: Number(m[2]) };
  }
  const labSpace = (env.FAILSMALL_LAB_SPACE ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map((x) => parsePrefix(x));
  if (labSpace.length) sources.push(`lab space announceable: ${labSpace.map(formatPrefix).join(', ')}`);
  return { evidence: { roas, irr }, space: { minLength, labSpace }, sources };
}
