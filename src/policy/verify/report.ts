// The three faces of a VerifyReport: the human summary (counts per neighbour, then each finding with its
// first examples and their trace), the JSON object of the fixed interface, and SARIF 2.1.0 for GitHub
// code scanning (one result per finding, at the file and line of the term).
import type { Finding, FindingKind, VerifyReport } from './index.js';

export const EXIT_CODES = { pass: 0, fail: 1, 'cannot-evaluate': 2 } as const;

const RULES: Record<FindingKind, { name: string; text: string; level: 'error' | 'warning' }> = {
  'route-leak': {
    name: 'RouteLeak',
    text: 'A new export breaks valley-free rules (RFC 7908 leak type 1-6).',
    level: 'error',
  },
  'otc-violation': {
    name: 'OtcViolation',
    text: 'A route carrying Only-to-Customer (RFC 9234) is exported to a provider, peer or route server.',
    level: 'error',
  },
  'missing-safeguard': {
    name: 'MissingSafeguard',
    text: 'A route is exported to a provider, peer or route server without the required exportable community.',
    level: 'error',
  },
  'term-always-true': {
    name: 'TermAlwaysTrue',
    text: 'A changed term matches every route that reaches it on the given RIB.',
    level: 'error',
  },
  'term-match-deactivated': {
    name: 'TermMatchDeactivated',
    text: 'The change deactivated the match conditions of a term that stays active: it now matches every route.',
    level: 'error',
  },
  'term-empty': {
    name: 'TermEmpty',
    text: 'The change removed every match condition of a term, which now matches every route.',
    level: 'error',
  },
  'intent-violation': {
    name: 'IntentViolation',
    text: 'A prefix outside the allowed set of the neighbour is exported to it.',
    level: 'error',
  },
  'undefined-reference': {
    name: 'UndefinedReference',
    text: 'An export path refers to a policy, list or community that is not defined: the change cannot be proven safe.',
    level: 'error',
  },
  unsupported: {
    name: 'Unsupported',
    text: 'An export path uses a construct the verifier does not model: the change cannot be proven safe.',
    level: 'warning',
  },
};

/** The JSON object of `--format json` (extra fields beyond the fixed interface are additive). */
export function reportJson(r: VerifyReport): unknown {
  return r;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function reportText(r: VerifyReport): string {
  const out: string[] = [];
  const verdict =
    r.verdict === 'pass'
      ? 'PASS: the change is safe'
      : r.verdict === 'fail'
        ? 'FAIL: the change leaks or breaks intent'
        : 'CANNOT EVALUATE: the change cannot be proven safe';
  out.push(verdict, '');
  out.push('neighbour                                role       before    after    added  removed  changed');
  for (const n of r.neighbors) {
    const name = n.group ? `${n.neighbor} (${n.group})` : n.neighbor;
    out.push(
      `${name.padEnd(40)} ${n.role.padEnd(9)} ${String(n.exported_before).padStart(7)} ${String(n.exported_after).padStart(8)} ${String(n.added).padStart(8)} ${String(n.removed).padStart(8)} ${String(n.changed).padStart(8)}`,
    );
  }
  if (r.findings.length > 0) {
    out.push('', `${plural(r.findings.length, 'finding')}:`);
    for (const f of r.findings) out.push(...findingText(f));
  }
  if (r.warnings.length > 0) {
    out.push('', `${plural(r.warnings.length, 'warning')} (first 10):`);
    for (const w of r.warnings.slice(0, 10)) out.push(`  ${w.file}:${w.line}: ${w.message}`);
  }
  return `${out.join('\n')}\n`;
}

function findingText(f: Finding): string[] {
  const type = f.rfc7908_type !== null ? ` (RFC 7908 type ${f.rfc7908_type})` : '';
  const where = f.policy ? ` policy ${f.policy}${f.term !== null ? ` term ${f.term || '(unnamed)'}` : ''}` : '';
  const lines = [
    `  ${f.kind}${type} to ${f.neighbor}:${where} — ${plural(f.count, 'route')}`,
    `    ${f.file}:${f.line}: ${f.message}`,
  ];
  for (const e of f.examples) {
    lines.push(`    e.g. ${e.prefix} as-path [${e.as_path.join(' ')}]`);
    for (const s of e.trace)
      lines.push(`      ${s.file}:${s.line} ${s.policy} ${s.term ? `term ${s.term}` : ''} → ${s.result}`);
  }
  return lines;
}

/** SARIF 2.1.0: one run, one rule per finding kind, one result per finding. */
export function reportSarif(r: VerifyReport, version: string): unknown {
  const kinds = Object.keys(RULES) as FindingKind[];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'failsmall verify',
            informationUri: 'https://github.com/failsmall/failsmall',
            version,
            rules: kinds.map((k) => ({
              id: k,
              name: RULES[k].name,
              shortDescription: { text: RULES[k].text },
              defaultConfiguration: { level: RULES[k].level },
            })),
          },
        },
        results: r.findings.map((f) => ({
          ruleId: f.kind,
          ruleIndex: kinds.indexOf(f.kind),
          level: RULES[f.kind].level,
          message: {
            text: `${f.message} (neighbour ${f.neighbor}, ${plural(f.count, 'route')}${f.examples[0] ? `, e.g. ${f.examples[0].prefix}` : ''})`,
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file },
                region: { startLine: Math.max(1, f.line) },
              },
            },
          ],
          partialFingerprints: {
            failsmallFinding: `${f.kind}/${f.neighbor}/${f.policy ?? ''}/${f.term ?? ''}/${f.rfc7908_type ?? ''}`,
          },
          properties: {
            neighbor: f.neighbor,
            policy: f.policy,
            term: f.term,
            rfc7908_type: f.rfc7908_type,
            count: f.count,
          },
        })),
      },
    ],
  };
}
