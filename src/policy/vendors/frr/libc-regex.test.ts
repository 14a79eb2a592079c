import { describe, expect, it } from 'vitest';
import { bgpdRegexec } from '../../../testing/libc-regexec.js';
import { frrAsPathRegex } from '../../match.js';
import { libcRegexDivergence } from './libc-regex.js';

// The patterns and what glibc's regexec (REG_EXTENDED | REG_NOSUB, `_` as bgpd expands it) answered,
// measured on Debian 12: the divergent ones match strings their POSIX meaning does not.
const DIVERGENT = [
  '^([0-9]+_){12}', // matches "4826 38803 56203"
  '^(1_){2}', // matches "11"
  '^([0-9]+_){2}$', // matches "123"
  '(1(x|$)){2}', // `$` itself, not only `_`
  '^(65001_){1,3}$',
  '^(([0-9]+)_){3}', // nested group
];

const POSIX_ALIKE = [
  '^65001_', // no repetition
  '_65001_',
  '^(65001_)+$', // `+`: read as POSIX says ("6500165001" does not match)
  '^([0-9]+_)*$',
  '^(1_)(1_)', // no counted repetition
  '^([0-9]+ ){3}', // no anchor in the group
  '^[0-9]+( [0-9]+){11}$', // `$` outside the counted group
  '^([$]1){2}', // `$` inside a bracket expression is a literal
  '^(\\$1){2}', // an escaped `$`
  '^(1|2){3}_',
];

// AS path strings as bgpd writes an AS_SEQUENCE: short and long paths, one-digit and multi-digit ASes.
const PATHS = [
  '',
  '1',
  '11',
  '111',
  '1 1',
  '11 ',
  '1 1 1',
  '12 3',
  '123',
  '1 2 3',
  '65001',
  '6500165001',
  '65001 65001',
  '65001 65001 65001',
  '65001 6500165001',
  '4826 38803 56203',
  '123456789012',
  '1 2 3 4 5 6 7 8 9 10 11 12',
  '1 2 3 4 5 6 7 8 9 10 11',
  '3356 1299 2914 174 6939 6453 3257 3491 1273 5511 701 7018 209',
];

describe('libcRegexDivergence', () => {
  it.each(DIVERGENT)('%s is divergent', (pattern) => {
    expect(libcRegexDivergence(pattern)).toMatch(/uncertain/);
  });

  it.each(POSIX_ALIKE)('%s reads as POSIX says', (pattern) => {
    expect(libcRegexDivergence(pattern)).toBeUndefined();
  });

  // The oracle is the C library itself, called as bgpd calls it: every pattern said to read as POSIX says
  // agrees with the POSIX reading on every path; each divergent one disagrees on at least one.
  const glibc = bgpdRegexec('^1$', ['1']);
  it.skipIf(glibc === undefined)("agrees with glibc regexec (bgpd's flags) on sample paths", () => {
    for (const pattern of [...POSIX_ALIKE, ...DIVERGENT]) {
      const libc = bgpdRegexec(pattern, PATHS) as boolean[];
      const posix = PATHS.map((p) => frrAsPathRegex(pattern).test(p));
      const differ = PATHS.filter((_, i) => libc[i] !== posix[i]);
      if (DIVERGENT.includes(pattern)) expect(differ, pattern).not.toEqual([]);
      else expect(differ, pattern).toEqual([]);
    }
  });
});
