// The alert lifecycle: an alert is one condition (rule + prefix + what distinguishes it, e.g. the hijacking
// origin) that opens when the first route shows it and resolves when the last such route is gone, so the
// same condition on the same prefix is one alert until it clears. Pure: every change returns the alert
// record to print; the caller prints every record (stdout and --alerts are never rate-limited) and hands
// them to the notification channels, which rate-limit on their own (channels.ts).

/** The rules of the fixed interface (docs/monitor.md). */
export type Rule =
  | 'visibility-loss'
  | 'origin-hijack'
  | 'more-specific'
  | 'rov-invalid'
  | 'path-leak'
  | 'own-leak'
  | 'aspa-invalid'
  | 'otc-violation'
  | 'new-upstream'
  | 'new-downstream';

export const RULES: readonly Rule[] = [
  'visibility-loss',
  'origin-hijack',
  'more-specific',
  'rov-invalid',
  'path-leak',
  'own-leak',
  'aspa-invalid',
  'otc-violation',
  'new-upstream',
  'new-downstream',
];

/** One alert line, exactly the fixed interface's fields (`resolved` only on the line that clears it). */
export interface AlertRecord {
  time: string;
  rule: Rule;
  prefix: string;
  origin_as: number | null;
  peers: string[];
  paths: number[][];
  rfc7908_type?: number;
  message: string;
  resolved?: true;
}

/** What a route contributes to a condition. */
export interface Contribution {
  peer: string;
  path: number[];
  prefix: string;
  origin: number | null;
}

export interface ConditionSpec {
  key: string;
  rule: Rule;
  /** The prefix the alert names (for new-upstream/-downstream: the first route that revealed it). */
  prefix: string;
  origin_as: number | null;
  rfc7908_type?: number;
  message: string;
  resolvedMessage: string;
}

/**
 * A condition of routes whose texts are built when first read (its line printed, Signals asking): most
 * routes that show a condition show one that is already open, and then only its key is used.
 */
export class LazyCondition implements ConditionSpec {
  readonly rfc7908_type?: number;
  private texts: readonly [string, string] | undefined;

  constructor(
    readonly key: string,
    readonly rule: Rule,
    readonly prefix: string,
    readonly origin_as: number | null,
    /** [message, resolvedMessage], from values that do not change after the route was judged. */
    private readonly text: () => readonly [string, string],
    rfc7908_type?: number | null,
  ) {
    if (rfc7908_type !== undefined && rfc7908_type !== null) this.rfc7908_type = rfc7908_type;
  }

  get message(): string {
    this.texts ??= this.text();
    return this.texts[0];
  }

  get resolvedMessage(): string {
    this.texts ??= this.text();
    return this.texts[1];
  }
}

interface OpenAlert {
  spec: ConditionSpec;
  /** Route key (peer + prefix) → contribution. */
  routes: Map<string, Contribution>;
  openedAt: number;
}

const MAX_LISTED = 20;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class AlertBook {
  private readonly open = new Map<string, OpenAlert>();

  get openCount(): number {
    return this.open.size;
  }

  /** Open alerts by rule, for metrics and Signals. */
  openAlerts(): { spec: ConditionSpec; peers: string[]; openedAt: number }[] {
    return [...this.open.values()].map((a) => ({
      spec: a.spec,
      peers: [...new Set([...a.routes.values()].map((c) => c.peer))],
      openedAt: a.openedAt,
    }));
  }

  isOpen(key: string): boolean {
    return this.open.has(key);
  }

  /** A route shows the condition. Returns the alert line when this opens it. */
  add(spec: ConditionSpec, routeKey: string, c: Contribution, time: number): AlertRecord | undefined {
    const a = this.open.get(spec.key);
    if (a) {
      a.routes.set(routeKey, c);
      return undefined;
    }
    const routes = new Map([[routeKey, c]]);
    this.open.set(spec.key, { spec, routes, openedAt: time });
    return this.record(spec, routes, time, false);
  }

  /** A route no longer shows the condition. Returns the resolved line when it was the last one. */
  remove(key: string, routeKey: string, time: number): AlertRecord | undefined {
    const a = this.open.get(key);
    const last = a?.routes.get(routeKey);
    if (!a || !last) return undefined;
    a.routes.delete(routeKey);
    if (a.routes.size > 0) return undefined;
    this.open.delete(key);
    return this.record(a.spec, new Map([[routeKey, last]]), time, true);
  }

  /**
   * Conditions that are not made of routes (visibility): open with the given peers, or resolve (with
   * `resolvedMessage` instead of the spec's when the condition ended for another reason).
   */
  set(
    spec: ConditionSpec,
    active: boolean,
    peers: string[],
    paths: number[][],
    time: number,
    resolvedMessage?: string,
  ): AlertRecord | undefined {
    const a = this.open.get(spec.key);
    if (active && !a) {
      const routes = new Map<string, Contribution>();
      peers.forEach((p, i) => {
        routes.set(p, { peer: p, path: paths[i] ?? [], prefix: spec.prefix, origin: spec.origin_as });
      });
      this.open.set(spec.key, { spec, routes, openedAt: time });
      return this.record(spec, routes, time, false);
    }
    if (!active && a) {
      this.open.delete(spec.key);
      const routes = new Map<string, Contribution>();
      peers.forEach((p, i) => {
        routes.set(p, { peer: p, path: paths[i] ?? [], prefix: spec.prefix, origin: spec.origin_as });
      });
      // Not a spread: a spec may keep its texts in getters (LazyCondition).
      const closing = resolvedMessage
        ? {
            key: a.spec.key,
            rule: a.spec.rule,
            prefix: a.spec.prefix,
            origin_as: a.spec.origin_as,
            ...(a.spec.rfc7908_type !== undefined ? { rfc7908_type: a.spec.rfc7908_type } : {}),
            message: a.spec.message,
            resolvedMessage,
          }
        : a.spec;
      return this.record(closing, routes, time, true);
    }
    return undefined;
  }

  private record(spec: ConditionSpec, routes: Map<string, Contribution>, time: number, resolved: boolean): AlertRecord {
    const peers: string[] = [];
    const paths: number[][] = [];
    const seenPath = new Set<string>();
    for (const c of routes.values()) {
      if (peers.length < MAX_LISTED && !peers.includes(c.peer)) peers.push(c.peer);
      const k = c.path.join(' ');
      if (paths.length < MAX_LISTED && !seenPath.has(k)) {
        seenPath.add(k);
        paths.push(c.path);
      }
    }
    const r: AlertRecord = {
      time: iso(time),
      rule: spec.rule,
      prefix: spec.prefix,
      origin_as: spec.origin_as,
      peers,
      paths,
      message: resolved ? spec.resolvedMessage : spec.message,
    };
    if (spec.rfc7908_type !== undefined) r.rfc7908_type = spec.rfc7908_type;
    if (resolved) r.resolved = true;
    return r;
  }
}
