// `failsmall agent` (the edge agent over BIRD 2) and `failsmall admin agent create|list|revoke` (agent
// credentials, one per agent, bound to one location, stored hashed).
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { hashToken, newTokenSecret } from '../api/auth.js';

async function withCredentials<T>(
  fn: (s: import('../store/agent-credentials.js').AgentCredentialStore) => Promise<T>,
): Promise<void> {
  const { openStore } = await import('../store/harness.js');
  const { AgentCredentialStore } = await import('../store/agent-credentials.js');
  const opened = await openStore({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: process.env.DATABASE_URL ? undefined : (process.env.FAILSMALL_DATA_DIR ?? '.data/pglite'),
  });
  try {
    const out = await fn(new AgentCredentialStore(opened.database.db));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await opened.close();
  }
}

const LOCATION = /^[a-z0-9-]{1,64}$/;

function registerAdmin(program: Command): void {
  const admin = program.commands.find((c) => c.name() === 'admin') ?? program.command('admin');
  const agent = admin.command('agent').description('edge agent credentials (bound to one location; stored as SHA-256)');
  agent
    .command('create')
    .description('create an agent credential; prints its secret in "value", once')
    .requiredOption('--location <id>', 'the one location this agent may read and report for')
    .option('--name <name>', 'agent name (default <location>-<random>)')
    .action((o: { location: string; name?: string }) =>
      withCredentials(async (s) => {
        if (!LOCATION.test(o.location)) {
          process.exitCode = 2;
          throw new Error(`--location ${o.location}: not a location id ([a-z0-9-], 1-64)`);
        }
        const value = newTokenSecret();
        const id = o.name ?? `${o.location}-${value.slice(3, 11).toLowerCase()}`;
        const c = await s.create({ id, location: o.location, name: id, tokenHash: hashToken(value) });
        return { ...c, value };
      }),
    );
  agent
    .command('list')
    .description('list agent credentials')
    .action(() => withCredentials((s) => s.list()));
  agent
    .command('revoke')
    .argument('<id>', 'agent id')
    .description('revoke an agent credential')
    .action((id: string) =>
      withCredentials(async (s) => {
        const c = await s.revoke(id);
        if (!c) throw new Error(`no live agent credential ${id}`);
        return c;
      }),
    );
}

interface AgentFlags {
  location: string;
  node?: string;
  url?: string;
  birdSocket: string;
  birdInclude: string;
  localAs: string;
  upstream: string[];
  stateDir: string;
  confirmTimeout: string;
  holdBeforeConfirmMs?: string;
}

export function register(program: Command): void {
  registerAdmin(program);
  program
    .command('agent')
    .description("edge agent: follow this location's snapshot from serve and reconcile BIRD 2 to it")
    .requiredOption('--location <id>', 'its location (must match its credential)')
    .option('--node <name>', 'this router', hostname())
    .option('--url <url>', 'control plane (FAILSMALL_URL, default http://127.0.0.1:8080)')
    .requiredOption('--bird-socket <path>', "BIRD's control socket (bird -s)")
    .requiredOption('--bird-include <path>', 'the include file bird.conf includes at top level')
    .requiredOption('--local-as <asn>', "the edge's AS")
    .requiredOption('--upstream <protocol...>', 'BIRD BGP protocols whose export is read back')
    .requiredOption('--state-dir <dir>', 'where the last applied snapshot is kept')
    .option('--confirm-timeout <s>', 'configure timeout N: BIRD undoes an unconfirmed change after N s', '30')
    .option('--hold-before-confirm-ms <ms>', 'fault injection for system tests: pause between configure and confirm')
    .action(async (o: AgentFlags) => {
      const token = process.env.FAILSMALL_AGENT_TOKEN;
      if (!token) {
        process.stderr.write('failsmall agent: set FAILSMALL_AGENT_TOKEN (from `failsmall admin agent create`)\n');
        process.exitCode = 2;
        return;
      }
      const { BirdSpeaker } = await import('../agent/bird-speaker.js');
      const { AgentRunner } = await import('../agent/runner.js');
      const log = (event: string, detail: Record<string, unknown> = {}) =>
        process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), event, ...detail })}\n`);
      const speaker = new BirdSpeaker({
        socket: o.birdSocket,
        includePath: o.birdInclude,
        localAs: Number(o.localAs),
        upstreams: o.upstream,
        confirmTimeoutS: Number(o.confirmTimeout),
        ...(o.holdBeforeConfirmMs ? { holdBeforeConfirmMs: Number(o.holdBeforeConfirmMs) } : {}),
        log,
      });
      const runner = new AgentRunner({
        url: (o.url ?? process.env.FAILSMALL_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, ''),
        token,
        location: o.location,
        node: o.node ?? hostname(),
        stateDir: o.stateDir,
        speaker,
        log,
      });
      const stop = async () => {
        await runner.stop();
        speaker.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      await runner.start();
    });
}
