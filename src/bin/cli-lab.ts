// `failsmall lab up|test|down [--json]`: a lab of real routers in network namespaces (src/lab), and
// `failsmall probe`: TCP reachability probes from a vantage point, one JSON result per line.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';

const UP_NAME = 'fsl13';
const TEST_NAME = 'fsl13t';

function out(asJson: boolean, json: unknown, text: string): void {
  process.stdout.write(asJson ? `${JSON.stringify(json)}\n` : text);
}

export function register(program: Command): void {
  const lab = program
    .command('lab')
    .description('a lab of real daemons in network namespaces: 3 BIRD edges with agents, an FRR upstream, a client');

  lab
    .command('up')
    .description('build the lab and start serve (HTTP fleet) and one agent per edge; it keeps running')
    .option('--json', 'print JSON')
    .option('--port <port>', 'serve port', '18400')
    .action(async (o: { json?: boolean; port: string }) => {
      const { startLab } = await import('../lab/lab.js');
      const { startLabFleet } = await import('../lab/fleet.js');
      const l = await startLab({ name: UP_NAME });
      try {
        const f = await startLabFleet(l, { port: Number(o.port), bakeS: 10 });
        await f.startServe();
        for (const e of l.edges) await f.startAgent(e.location);
        for (const [i, e] of l.edges.entries()) await l.addServiceAddress(e.location, `198.18.${i + 1}.1`);
        const json = {
          name: l.name,
          dir: l.dir,
          url: f.url,
          operator_token: f.operatorToken,
          admin_token: f.adminToken,
          upstream: { namespace: l.upstream.ns, as: l.upstream.as, vtysh: `vtysh --vty_socket ${l.upstream.vtyDir}` },
          client: { namespace: l.client.ns, address: l.client.address },
          edges: l.edges.map((e) => ({
            location: e.location,
            namespace: e.ns,
            address: e.address,
            as: l.edgeAs,
            bird_socket: e.birdSocket,
            include: e.includePath,
            agent_log: join(e.dir, 'agent.log'),
          })),
        };
        out(
          !!o.json,
          json,
          [
            `lab ${l.name} is up (${l.dir})`,
            `  serve:    ${f.url}   FAILSMALL_TOKEN=${f.operatorToken}`,
            `  admin:    FAILSMALL_BOOTSTRAP_TOKEN=${f.adminToken}`,
            `  upstream: ${l.upstream.ns} AS${l.upstream.as}   ${json.upstream.vtysh} -c 'show bgp ipv4 unicast'`,
            `  client:   ${l.client.ns} ${l.client.address}   ip netns exec ${l.client.ns} ...`,
            ...l.edges.map(
              (e) => `  edge:     ${e.location} ${e.ns} ${e.address} AS${l.edgeAs}   birdc -s ${e.birdSocket}`,
            ),
            'services answer on port 80 of every address an edge holds (198.18.N.1 at edge N); `failsmall lab down` removes it all',
            '',
          ].join('\n'),
        );
      } catch (e) {
        await l.stop();
        throw e;
      }
    });

  lab
    .command('test')
    .description('run the lab system tests, each on a fresh lab; the last line is a JSON summary with their figures')
    .option('--json', 'print only the JSON summary')
    .option('--only <name...>', 'run only these scenarios')
    .action(async (o: { json?: boolean; only?: string[] }) => {
      const { startLab } = await import('../lab/lab.js');
      const { SCENARIOS } = await import('../lab/scenarios.js');
      const results: { name: string; ok: boolean; ms: number; figures?: unknown; error?: string }[] = [];
      for (const s of SCENARIOS) {
        if (o.only && !o.only.includes(s.name)) continue;
        const t0 = Date.now();
        if (!o.json) process.stderr.write(`lab test ${s.name} ...\n`);
        let l: Awaited<ReturnType<typeof startLab>> | null = null;
        try {
          l = await startLab({ name: TEST_NAME });
          const figures = await s.run(l);
          results.push({ name: s.name, ok: true, ms: Date.now() - t0, figures });
        } catch (e) {
          results.push({ name: s.name, ok: false, ms: Date.now() - t0, error: (e as Error).message });
        } finally {
          await l?.stop();
        }
        const r = results[results.length - 1];
        if (!o.json && r)
          process.stderr.write(
            `  ${r.ok ? 'ok' : 'FAILED'} ${r.ms} ms ${r.ok ? JSON.stringify(r.figures) : r.error}\n`,
          );
      }
      const failed = results.filter((r) => !r.ok).length;
      process.stdout.write(`${JSON.stringify({ passed: results.length - failed, failed, scenarios: results })}\n`);
      if (failed) process.exitCode = 1;
    });

  lab
    .command('down')
    .description('remove every namespace and process a lab made (lab.json), even after a failed run')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { stopLab } = await import('../lab/lab.js');
      let killed = 0;
      let namespaces = 0;
      const labs: string[] = [];
      for (const d of readdirSync('/tmp')) {
        const dir = join('/tmp', d);
        if (!d.startsWith('failsmall-lab-fsl') || !existsSync(join(dir, 'lab.json'))) continue;
        const r = await stopLab(dir);
        killed += r.killed;
        namespaces += r.namespaces;
        labs.push(d.slice('failsmall-lab-'.length));
      }
      out(
        !!o.json,
        { labs, killed, namespaces },
        `removed ${labs.length} lab(s) ${labs.join(' ')}: ${killed} processes, ${namespaces} namespaces\n`,
      );
    });

  program
    .command('probe')
    .description('TCP connect probes from this host (a vantage point): one JSON result per line')
    .requiredOption('--target <location=host:port...>', 'service addresses to probe')
    .option('--interval-ms <ms>', 'period', '1000')
    .option('--timeout-ms <ms>', 'connect timeout', '1000')
    .option('--count <n>', 'rounds (default: until stopped)')
    .action(async (o: { target: string[]; intervalMs: string; timeoutMs: string; count?: string }) => {
      const { parseTarget, tcpProbe } = await import('../probe/tcp.js');
      const targets = o.target.map(parseTarget);
      const rounds = o.count ? Number(o.count) : Number.POSITIVE_INFINITY;
      // Rounds start on the period whatever the previous one is waiting for: a timeout never slows the rate.
      const pending: Promise<void>[] = [];
      for (let i = 0; i < rounds; i++) {
        for (const t of targets)
          pending.push(
            tcpProbe(t, Number(o.timeoutMs)).then((r) => void process.stdout.write(`${JSON.stringify(r)}\n`)),
          );
        if (pending.length > 1000) await Promise.all(pending.splice(0));
        await new Promise((res) => setTimeout(res, Number(o.intervalMs)));
      }
      await Promise.all(pending);
    });
}
