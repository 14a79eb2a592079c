// One call for everything the routing layer says about a received route: RFC 6811 origin validation,
// draft-28 ASPA path verification, and the RFC 9234 OTC ingress rule. The monitor and the policy verifier
// both use it, so a route is judged the same way wherever it is seen. The AS path is the reconstructed
// one (AS_PATH merged with AS4_PATH, as the BGP codec returns it).
import type { Prefix } from '../lib/prefix.js';
import { type AsPath, originAsn } from './as-path.js';
import { type AspaVerdict, aspaVerdict } from './aspa.js';
import { type BgpRole, type OtcIngress, otcIngress } from './roles.js';
import type { RovState } from './rov.js';
import type { RpkiSnapshot } from './rpki-store.js';

/** How the route arrived: the eBGP session's neighbour and its role (from the local AS's point of view). */
export interface Session {
  neighborAsn: number;
  neighborRole: BgpRole;
  /** The local AS: the origin of a route whose AS path is empty (locally originated). */
  localAsn: number;
}

export interface ReceivedRoute {
  prefix: Prefix;
  asPath: AsPath;
  /** The OTC attribute (type 35), when present. */
  otc?: number | undefined;
}

export interface RouteAssessment {
  rov: RovState;
  aspa: AspaVerdict;
  otc: OtcIngress;
  /** True when any check says the route should not be used: ROV Invalid, ASPA Invalid or an OTC leak. */
  reject: boolean;
}

/** Judge a received route against one RPKI snapshot (take `store.snapshot` once per batch). */
export function assessRoute(snap: RpkiSnapshot, route: ReceivedRoute, session: Session): RouteAssessment {
  const origin = originAsn(route.asPath);
  const rov = snap.vrps.validate(route.prefix, origin === undefined ? session.localAsn : origin);
  const aspa = aspaVerdict(snap.aspas, route.asPath, session);
  const otc = otcIngress(session.neighborRole, session.neighborAsn, route.otc);
  return { rov, aspa, otc, reject: rov === 'invalid' || aspa === 'invalid' || otc.leak };
}
