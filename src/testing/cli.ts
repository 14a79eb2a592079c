// Runs one area's commander commands in-process and captures what they print and the exit status,
// so CLI tests check the words an operator sees without spawning a process per case.
import { Command } from 'commander';
import { vi } from 'vitest';

export interface CliRun {
  out: string;
  err: string;
  /** process.exitCode after the command (0 when it set none). */
  code: number;
}

export async function runCli(register: (program: Command) => void, args: readonly string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  process.exitCode = 0;
  try {
    const program = new Command('failsmall').exitOverride();
    register(program);
    await program.parseAsync(['node', 'failsmall', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}
