#!/usr/bin/env node
// Entry point of the installed `failsmall` command; the compiled CLI lives in dist/ (npm run build).
import { buildCli } from '../dist/bin/cli.js';

await buildCli().parseAsync(process.argv);
