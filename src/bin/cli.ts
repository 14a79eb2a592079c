// The `failsmall` command line. Each capability registers its subcommands here; `failsmall --help`
// lists exactly the commands that exist.
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { register as registerAdmin } from './cli-admin.js';
import { register as registerAgent } from './cli-agent.js';
import { register as registerLab } from './cli-lab.js';
import { register as registerMonitor } from './cli-monitor.js';
import { register as registerMrt } from './cli-mrt.js';
import { register as registerRollout } from './cli-rollout.js';
import { register as registerRouting } from './cli-routing.js';
import { register as registerVerify } from './cli-verify.js';
import { errorsMarkdown } from './error-codes.js';
import { VERSION } from './version.js';

export function buildCli(): Command {
  const program = new Command('failsmall')
    .description('Change the prefixes a network announces with BGP without ever failing big.')
    .version(VERSION);

  program
    .command('serve')
    .description('run the control plane: Addressing API and console (embedded PGlite unless DATABASE_URL is set)')
    .option('-p, --port <port>', 'TCP port', process.env.PORT ?? '8080')
    .option('-H, --host <host>', 'address to listen on', process.env.HOST ?? '127.0.0.1')
    .action(async (o: { port: string; host: string }) => {
      // Loaded on use: the server pulls in Fastify, the store and PGlite, which `mrt dump` must not pay for.
      const { serve } = await import('./server.js');
      await serve({ port: Number(o.port), host: o.host });
    });

  program
    .command('errors')
    .description('list every stable error code and its meaning')
    .option('--markdown', 'print docs/ERRORS.md')
    .action(() => {
      process.stdout.write(errorsMarkdown());
    });

  registerAdmin(program);
  registerAgent(program);
  registerLab(program);
  registerMrt(program);
  registerRouting(program);
  registerRollout(program);
  registerMonitor(program);
  registerVerify(program);
  return program;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) await buildCli().parseAsync(process.argv);
