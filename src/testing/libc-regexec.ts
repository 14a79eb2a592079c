// The C library's POSIX regexec as bgpd calls it (regcomp with REG_EXTENDED | REG_NOSUB, after turning `_`
// into `(^|[,{}() ]|$)`, bgpd/bgp_regex.c): the oracle for what real bgpd's as-path access-lists match. A
// tiny C program compiled on first use; undefined when there is no C compiler.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REGEXEC_C = `#include <regex.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  regex_t r; char line[8192];
  if (regcomp(&r, argv[1], REG_EXTENDED | REG_NOSUB)) return 2;
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\\n")] = 0;
    puts(regexec(&r, line, 0, 0, 0) == 0 ? "1" : "0");
  }
  return 0;
}
`;

let binary: string | null | undefined;

function compiled(): string | undefined {
  if (binary !== undefined) return binary ?? undefined;
  binary = null;
  for (const cc of ['cc', 'gcc']) {
    try {
      const dir = mkdtempSync(join(tmpdir(), 'fs-regexec-'));
      writeFileSync(join(dir, 'regexec.c'), REGEXEC_C);
      execFileSync(cc, ['-O1', '-o', join(dir, 'regexec'), join(dir, 'regexec.c')], { stdio: 'pipe' });
      if (existsSync(join(dir, 'regexec'))) binary = join(dir, 'regexec');
      break;
    } catch {
      // no such compiler: try the next
    }
  }
  return binary ?? undefined;
}

/**
 * Whether bgpd would match each AS path string ("AS AS AS") with the FRR as-path pattern `frrPattern`
 * (`_` not yet expanded). Undefined without a C compiler.
 */
export function bgpdRegexec(frrPattern: string, paths: readonly string[]): boolean[] | undefined {
  const bin = compiled();
  if (!bin) return undefined;
  const out = execFileSync(bin, [frrPattern.replaceAll('_', '(^|[,{}() ]|$)')], {
    input: `${paths.join('\n')}\n`,
    maxBuffer: 1 << 28,
  })
    .toString()
    .split('\n');
  return paths.map((_, i) => out[i] === '1');
}
