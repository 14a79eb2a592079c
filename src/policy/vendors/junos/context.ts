// The conversion context of the Junos front end: the program being built and which lines were understood
// or reported unsupported, shared by its policy-options (policy-statements.ts) and protocols/routing-options
// (convert.ts) parts.
import type { PolicyProgram, SourceRef } from '../../model.js';
import type { Statement } from './statements.js';

export interface Ctx {
  program: PolicyProgram;
  file: string;
  understood: Set<number>;
  unsupported: Set<number>;
  /** `from policy` references, checked once every policy is known. */
  policyRefs: { name: string; src: SourceRef }[];
}

export function src(ctx: Ctx, s: Statement): SourceRef {
  return { file: ctx.file, line: s.line };
}

export function unsupported(ctx: Ctx, s: Statement, what: string): void {
  ctx.unsupported.add(s.line);
  ctx.program.warnings.push({ file: ctx.file, line: s.line, kind: 'unsupported', message: what });
}

export function ok(ctx: Ctx, s: Statement): void {
  ctx.understood.add(s.line);
}

export function asn(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.replace(/^AS/i, ''));
  if (!m) return undefined;
  const v = m[2] === undefined ? Number(m[1]) : Number(m[1]) * 65536 + Number(m[2]);
  return v <= 0xffffffff ? v : undefined;
}
