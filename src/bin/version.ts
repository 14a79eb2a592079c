import { readFileSync } from 'node:fs';

// package.json sits two folders up from both src/bin and dist/bin.
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
