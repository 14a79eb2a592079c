// Running commands for the lab: in the root namespace or inside one of the lab's network namespaces.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { openSync } from 'node:fs';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs `cmd` (in namespace `ns` when given); resolves with its output, whatever the exit code. */
export function run(
  cmd: string,
  args: readonly string[],
  ns?: string,
  timeoutMs = 120_000,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ExecResult> {
  const [file, argv] = ns ? ['ip', ['netns', 'exec', ns, cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve) => {
    execFile(file, argv, { timeout: timeoutMs, maxBuffer: 1 << 30, ...opts }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
}

/** Like run, but rejects when the command fails. */
export async function must(cmd: string, args: readonly string[], ns?: string, timeoutMs?: number): Promise<string> {
  const r = await run(cmd, args, ns, timeoutMs);
  if (r.code !== 0)
    throw new Error(
      `${ns ? `[${ns}] ` : ''}${cmd} ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`,
    );
  return r.stdout;
}

/** Starts a long-running process (in namespace `ns`), its output appended to `logFile`. */
export function start(
  cmd: string,
  args: readonly string[],
  ns: string | undefined,
  logFile: string,
  env?: NodeJS.ProcessEnv,
  cwd?: string,
): ChildProcess {
  const [file, argv] = ns ? ['ip', ['netns', 'exec', ns, cmd, ...args]] : [cmd, [...args]];
  const fd = openSync(logFile, 'a');
  const child = spawn(file, argv, { stdio: ['ignore', fd, fd], env: env ?? process.env, cwd, detached: true });
  child.unref();
  return child;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value other than undefined, or throws after `ms`. */
export async function waitFor<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined>,
  everyMs = 100,
): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > ms)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}
