// Where bgpd's reading of an as-path regex is not the POSIX one. bgpd turns `_` into `(^|[,{}() ]|$)` and
// hands the pattern to the C library's regcomp(REG_EXTENDED | REG_NOSUB) (bgpd/bgp_regex.c). glibc's matcher
// for REG_NOSUB (2.36, Debian 12's; measured with regexec itself) does not hold an end anchor `$` inside a
// counted repetition `( … ){n}` to the end of the path: `^(1_){2}` matches "11", and the benchmark's
// `^([0-9]+_){12}` ("12 or more ASes") matches "4826 38803 56203" (any path of 12 digits or more). On the full
// table, real bgpd denied 44,843 distinct paths that the pattern's POSIX meaning does not match
// (bench/policy-frr.bench.ts). `+` and `*` repetitions and anchors outside a counted group read as POSIX says.
// failsmall evaluates the POSIX meaning; where the router's may differ, the match is uncertain, not guessed.

/**
 * Why bgpd's regexec may read this as-path pattern otherwise than POSIX does, or undefined. The pattern is
 * FRR's text (before `_` is expanded).
 */
export function libcRegexDivergence(text: string): string | undefined {
  // As bgpd does: every `_`, wherever it stands, becomes the delimiter group.
  const re = text.replaceAll('_', BGPD_DELIMITER);
  const open: number[] = [];
  for (let i = 0; i < re.length; i++) {
    const ch = re[i];
    if (ch === '\\') i++;
    else if (ch === '[') i = bracketEnd(re, i);
    else if (ch === '(') open.push(i);
    else if (ch === ')') {
      const start = open.pop();
      if (start === undefined || re[i + 1] !== '{' || !hasEndAnchor(re.slice(start + 1, i))) continue;
      return `bgpd's regexec (glibc, REG_NOSUB) does not hold "$" (and "_", which bgpd expands to ${BGPD_DELIMITER}) to the path's end inside a counted repetition "( … ){n}" ("^(1_){2}" matches "11"): the match is uncertain`;
    }
  }
  return undefined;
}

const BGPD_DELIMITER = '(^|[,{}() ]|$)';

/** The index of the `]` that ends the bracket expression opened at `i` (`]` first, or after `^`, is a member). */
function bracketEnd(re: string, i: number): number {
  let j = i + 1;
  if (re[j] === '^') j++;
  if (re[j] === ']') j++;
  while (j < re.length && re[j] !== ']') j++;
  return j;
}

function hasEndAnchor(group: string): boolean {
  for (let i = 0; i < group.length; i++) {
    const ch = group[i];
    if (ch === '\\') i++;
    else if (ch === '[') i = bracketEnd(group, i);
    else if (ch === '$') return true;
  }
  return false;
}
