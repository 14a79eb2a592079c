// describeCorpus on a fresh clone: with the corpus absent the suite is skipped without its body running
// (vitest calls the body of a skipped describe to collect its tests; a body that lists corpus files would
// throw ENOENT at collection and fail the whole file).
import { describe, expect, it } from 'vitest';

const saved = { corpus: process.env.FAILSMALL_CORPUS, require: process.env.FAILSMALL_REQUIRE_SYSTEM };
process.env.FAILSMALL_CORPUS = '/nonexistent/failsmall-corpus';
delete process.env.FAILSMALL_REQUIRE_SYSTEM;
const env = await import('./env.js');
if (saved.corpus === undefined) delete process.env.FAILSMALL_CORPUS;
else process.env.FAILSMALL_CORPUS = saved.corpus;
if (saved.require !== undefined) process.env.FAILSMALL_REQUIRE_SYSTEM = saved.require;

let bodyRan = false;
env.describeCorpus('a corpus suite on a fresh clone', ['mrt'], (dir) => {
  bodyRan = true;
  // what the real suites do at collection time
  throw new Error(`body ran with path "${dir}"`);
});

describe('describeCorpus', () => {
  it('does not run the body of a suite whose corpus is absent', () => {
    expect(env.corpusPath('mrt')).toBeUndefined();
    expect(bodyRan).toBe(false);
  });
});
