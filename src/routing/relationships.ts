// AS relationships: CAIDA's as-rel files (serial-1 "a|b|-1" provider a of customer b, "a|b|0" peers;
// serial-2 adds a fourth "|source" field), "#" comments, into a graph that answers "what is B to A?".
// Pure: parses the text; the CLI reads (and decompresses) the file.
import { FailsmallError } from '../lib/errors.js';

/** What AS b is to AS a. */
export type Relationship = 'provider' | 'customer' | 'peer';

// Codes in the adjacency maps: the relationship of the inner key (b) to the outer key (a).
const PROVIDER = 1;
const CUSTOMER = 2;
const PEER = 3;
const NAMES: readonly (Relationship | undefined)[] = [undefined, 'provider', 'customer', 'peer'];

export class AsGraph {
  private readonly adj = new Map<number, Map<number, number>>();
  private links = 0;

  /** Record that `provider` provides transit to `customer`. Throws E_ASREL_CONFLICT on a contradiction. */
  addProviderCustomer(provider: number, customer: number): void {
    this.link(customer, provider, PROVIDER, CUSTOMER);
  }

  /** Record that a and b are (settlement-free) peers. */
  addPeers(a: number, b: number): void {
    this.link(a, b, PEER, PEER);
  }

  private link(a: number, b: number, bToA: number, aToB: number): void {
    if (a === b)
      throw new FailsmallError('E_ASREL_SYNTAX', `AS${a} cannot have a relationship with itself`, { asn: a });
    const known = this.adj.get(a)?.get(b);
    if (known !== undefined) {
      if (known === bToA) return;
      throw new FailsmallError(
        'E_ASREL_CONFLICT',
        `AS${b} is already the ${NAMES[known]} of AS${a}; cannot also be its ${NAMES[bToA]}`,
        { a, b, known: NAMES[known], given: NAMES[bToA] },
      );
    }
    this.side(a).set(b, bToA);
    this.side(b).set(a, aToB);
    this.links++;
  }

  private side(a: number): Map<number, number> {
    let m = this.adj.get(a);
    if (!m) {
      m = new Map();
      this.adj.set(a, m);
    }
    return m;
  }

  /** What b is to a ('provider': b provides transit to a), or undefined when the link is unknown. */
  relationship(a: number, b: number): Relationship | undefined {
    const c = this.adj.get(a)?.get(b);
    return c === undefined ? undefined : NAMES[c];
  }

  private having(a: number, code: number): number[] {
    const out: number[] = [];
    for (const [b, c] of this.adj.get(a) ?? []) if (c === code) out.push(b);
    return out.sort((x, y) => x - y);
  }

  providers(a: number): number[] {
    return this.having(a, PROVIDER);
  }
  customers(a: number): number[] {
    return this.having(a, CUSTOMER);
  }
  peers(a: number): number[] {
    return this.having(a, PEER);
  }

  get asCount(): number {
    return this.adj.size;
  }
  get linkCount(): number {
    return this.links;
  }
}

/** Parse a CAIDA as-rel file, serial-1 or serial-2 (the fourth field, the inference source, is ignored). */
export function parseCaidaRelationships(input: string | Uint8Array): AsGraph {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  const g = new AsGraph();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split('|');
    const bad = (why: string): never => {
      throw new FailsmallError('E_ASREL_SYNTAX', `line ${n + 1}: ${why}: "${line}"`, { line: n + 1 });
    };
    if (f.length !== 3 && f.length !== 4) bad('expected a|b|rel or a|b|rel|source');
    const asn = (t: string): number => {
      if (!/^(0|[1-9]\d{0,9})$/.test(t) || Number(t) > 0xffffffff) bad(`"${t}" is not an AS number`);
      return Number(t);
    };
    const a = asn(f[0]!);
    const b = asn(f[1]!);
    try {
      if (f[2] === '-1') g.addProviderCustomer(a, b);
      else if (f[2] === '0') g.addPeers(a, b);
      else bad(`relationship "${f[2]}" is neither -1 (provider-customer) nor 0 (peers)`);
    } catch (e) {
      if (e instanceof FailsmallError && e.details?.line === undefined) {
        throw new FailsmallError(e.code, `line ${n + 1}: ${e.message}`, { ...e.details, line: n + 1 });
      }
      throw e;
    }
  }
  return g;
}
