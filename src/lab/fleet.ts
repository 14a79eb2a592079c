// The control plane and the agents of a lab, as real processes: `failsmall serve` with the HTTP fleet
// (FAILSMALL_FLEET=http) on embedded PGlite in the lab directory, and one `failsmall agent` per edge
// with its own credential. Agents run in the root namespace: they reach serve on loopback (the lab's
// control-plane network) and BIRD through its control socket, a file.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, run, start, waitFor } from './exec.js';
import type { Lab } from './lab.js';

const here = fileURLToPath(import.meta.url);
export const repoRoot = resolve(dirname(here), '..', '..');

/** How to run the `failsmall` CLI of this checkout: the build when running from it, else the sources. */
export function cliArgv(): string[] {
  // Under tests the sources run (the build may be stale), except in CI, which builds first.
  const dist =
    existsSync(join(repoRoot, 'dist', 'bin', 'cli.js')) && (!here.endsWith('.ts') || process.env.CI === 'true');
  return !dist
    ? ['--import', 'tsx', join(repoRoot, 'src', 'bin', 'cli.ts')]
    : [join(repoRoot, 'dist', 'bin', 'cli.js')];
}

export interface LabFleet {
  url: string;
  /** Operator token (rollouts, verdicts) and admin token (Addressing API). */
  operatorToken: string;
  adminToken: string;
  agentTokens: Record<string, string>;
  startServe(): Promise<void>;
  killServe(signal?: NodeJS.Signals): Promise<void>;
  startAgent(location: string, extra?: readonly string[]): Promise<number>;
  killAgent(location: string, signal?: NodeJS.Signals): Promise<void>;
  /** An authenticated call to serve; throws on a non-2xx answer. */
  call<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
}

export interface LabFleetOptions {
  port?: number;
  bakeS?: number;
  confirmTimeoutS?: number;
}

export async function startLabFleet(lab: Lab, o: LabFleetOptions = {}): Promise<LabFleet> {
  const port = o.port ?? 18400;
  const url = `http://127.0.0.1:${port}`;
  const dataDir = join(lab.dir, 'pglite');
  const operatorToken = `fs_${randomBytes(32).toString('base64url')}`;
  const adminToken = `fs_${randomBytes(32).toString('base64url')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, FAILSMALL_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  const agentTokens: Record<string, string> = {};
  // PGlite allows one process: credentials are made before serve starts.
  for (const e of lab.edges) {
    const out = await runCli(
      ['admin', 'agent', 'create', '--location', e.location, '--name', `${e.location}-agent`],
      env,
    );
    agentTokens[e.location] = (JSON.parse(out) as { value: string }).value;
  }
  const pids: Record<string, number> = {};
  const fleet: LabFleet = {
    url,
    operatorToken,
    adminToken,
    agentTokens,
    async startServe() {
      // The lab's customer space is benchmarking space (198.18.0.0/15), announceable only between the
      // lab's own routers; its ownership is proven by IRR route objects for the lab customer's AS64600.
      const irr = join(lab.dir, 'lab.irr');
      writeFileSync(
        irr,
        [20, 21, 22, 23].map((i) => `route: 198.18.${i}.0/24\norigin: AS64600\nsource: LAB\n`).join('\n'),
      );
      const child = start(
        process.execPath,
        [...cliArgv(), 'serve', '--port', String(port)],
        undefined,
        join(lab.dir, 'serve.log'),
        {
          ...env,
          FAILSMALL_FLEET: 'http',
          FAILSMALL_LOCATIONS: lab.edges.map((e, i) => `${e.location}:lab:${i + 1}`).join(','),
          FAILSMALL_BOOTSTRAP_TOKEN: adminToken,
          FAILSMALL_DEMO_TOKEN: operatorToken,
          FAILSMALL_DEMO_BAKE_S: String(o.bakeS ?? 2),
          // the HTTP fleet's stages bake this long (new announcements go canary first, issue 10)
          FAILSMALL_BAKE_S: String(o.bakeS ?? 2),
          FAILSMALL_LAB_SPACE: '198.18.0.0/15',
          FAILSMALL_IRR_FILE: irr,
          LOG_LEVEL: 'warn',
        },
        repoRoot,
      );
      pids.serve = child.pid as number;
      lab.track('serve', pids.serve);
      await waitFor(
        'serve to answer',
        60_000,
        async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined),
        200,
      );
    },
    async killServe(signal = 'SIGKILL') {
      const pid = pids.serve;
      if (pid && alive(pid)) process.kill(pid, signal);
      if (pid) await waitFor('serve to exit', 10_000, async () => (alive(pid) ? undefined : true), 50);
      lab.untrack('serve');
    },
    async startAgent(location, extra = []) {
      const pid = startAgentProcess(lab, {
        location,
        url,
        token: agentTokens[location] as string,
        confirmTimeoutS: o.confirmTimeoutS,
        extra,
        env,
      });
      pids[`agent-${location}`] = pid;
      return pid;
    },
    async killAgent(location, signal = 'SIGKILL') {
      const pid = pids[`agent-${location}`];
      if (pid && alive(pid)) process.kill(pid, signal);
      if (pid) await waitFor(`agent ${location} to exit`, 10_000, async () => (alive(pid) ? undefined : true), 50);
      lab.untrack(`agent-${location}`);
    },
    async call<T>(method: string, path: string, body?: unknown, token = operatorToken): Promise<T> {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
      return (JSON.parse(text) as { result: T }).result;
    },
  };
  return fleet;
}

export interface AgentProcessOptions {
  location: string;
  url: string;
  token: string;
  confirmTimeoutS?: number | undefined;
  extra?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** Starts `failsmall agent` for one lab edge; the lab tracks it (stop() ends it). Returns its pid. */
export function startAgentProcess(lab: Lab, a: AgentProcessOptions): number {
  const e = lab.edges.find((x) => x.location === a.location);
  if (!e) throw new Error(`no lab edge ${a.location}`);
  mkdirSync(join(e.dir, 'agent'), { recursive: true });
  const child = start(
    process.execPath,
    [
      ...cliArgv(),
      'agent',
      '--location',
      e.location,
      '--node',
      e.ns,
      '--url',
      a.url,
      '--bird-socket',
      e.birdSocket,
      '--bird-include',
      e.includePath,
      '--local-as',
      String(lab.edgeAs),
      '--upstream',
      e.session,
      '--state-dir',
      join(e.dir, 'agent'),
      '--confirm-timeout',
      String(a.confirmTimeoutS ?? 10),
      ...(a.extra ?? []),
    ],
    undefined,
    join(e.dir, 'agent.log'),
    { ...(a.env ?? process.env), FAILSMALL_AGENT_TOKEN: a.token },
    repoRoot,
  );
  lab.track(`agent-${a.location}`, child.pid as number);
  return child.pid as number;
}

async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(process.execPath, [...cliArgv(), ...args], undefined, 120_000, { env, cwd: repoRoot });
  if (r.code !== 0) throw new Error(`failsmall ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}
