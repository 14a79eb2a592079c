// `failsmall monitor --config monitor.yml [--replay FILE ...] [--speed max|realtime] [--alerts FILE]`
// (fixed interface, docs/monitor.md). The monitor, its feeds and channels load on use: other commands do not
// pay for ws, prom-client and the sockets at start.
import type { Command } from 'commander';
import { FailsmallError } from '../lib/errors.js';
import type { MonitorCliOptions } from './monitor-command.js';

export function register(program: Command): void {
  program
    .command('monitor')
    .description(
      'watch BGP (BMP station, BGP collector, RIS Live, or MRT replay) for visibility loss, hijacks and leaks',
    )
    .requiredOption('--config <file>', 'monitor.yml')
    .option('--replay <file...>', 'MRT files (or saved RIS Live JSON lines) to replay, then exit')
    .option('--speed <speed>', 'replay speed: max (default) or realtime', 'max')
    .option('--alerts <file>', 'also write the alert lines to this file')
    .action(async (o: MonitorCliOptions) => {
      try {
        const { monitorCommand } = await import('./monitor-command.js');
        await monitorCommand(o);
      } catch (e) {
        if (!(e instanceof FailsmallError)) throw e;
        process.stderr.write(`failsmall: ${e.code} ${e.message}\n`);
        process.exitCode = 2;
      }
    });
}
