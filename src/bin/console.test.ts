// End-to-end tests of the console: a real `serve` (src/bin/server.ts with the demo fleet, embedded
// PGlite in memory) started by the test on its own port, driven by Debian's Chromium through
// playwright-core. Each test saves a screenshot of its view under test-output/console/.
//   1. a customer cannot see or touch another account (through the UI and through its API calls);
//   2. a customer in incident mode re-advertises a withdrawn prefix and sees it go live;
//   3. a second person (an approver) approves an operator's held change, and rejects another;
//   4. during the 20 February replay (the cleanup job run over HTTP against a second, fresh `serve`)
//      the chart shows the drop at the canary and the recovery.
// axe-core runs on every view, at 1280 px and at phone width (390 px).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { runReplayJob } from '../lab/cleanup-job.js';
import { commandMissing, describeIfAvailable, repoRoot } from '../testing/env.js';

const CHROMIUM = process.env.FAILSMALL_CHROMIUM ?? '/usr/bin/chromium';
const PORT_A = Number(process.env.FAILSMALL_E2E_PORT ?? 18600);
const PORT_B = PORT_A + 1;
const OPERATOR = 'fs_e2e-operator-token-0123456789abcdefghijkl';
const ADMIN = 'fs_e2e-admin-token-0123456789abcdefghijklmnop';
// approvals and breaker resets need a second person: a person token with scope approver (issue 10)
const APPROVER = 'fs_e2e-approver-token-0123456789abcdefghijk';
const OUT = join(repoRoot, 'test-output', 'console');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Served {
  base: string;
  proc: ChildProcess;
  log: string[];
}

async function serve(port: number): Promise<Served> {
  const log: string[] = [];
  const proc = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/bin/server.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      FAILSMALL_DATA_DIR: 'memory://',
      FAILSMALL_DEMO_TOKEN: OPERATOR,
      FAILSMALL_DEMO_APPROVER_TOKEN: APPROVER,
      FAILSMALL_BOOTSTRAP_TOKEN: ADMIN,
      FAILSMALL_DEMO_BAKE_S: '2',
      FAILSMALL_WEB_ROOT: join(repoRoot, 'dist', 'web'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d) => log.push(String(d)));
  proc.stderr?.on('data', (d) => log.push(String(d)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}: ${log.join('')}`);
    try {
      const r = await fetch(`${base}/v1/console/session`, { headers: { authorization: `Bearer ${OPERATOR}` } });
      if (r.ok) return { base, proc, log };
    } catch {}
    await sleep(500);
  }
  throw new Error(`serve did not come up on ${port}: ${log.join('')}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call<T>(base: string, token: string, method: string, path: string, body?: unknown) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, body: (await r.json()) as { result: T; errors: { error_code: string }[] } };
}

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

interface Customer {
  id: string;
  name: string;
  token: string;
}

async function customerToken(base: string, name: string): Promise<Customer> {
  const accts = (await call<{ id: string; name: string }[]>(base, OPERATOR, 'GET', '/v1/accounts')).body.result;
  const a = accts.find((x) => x.name === name);
  if (!a) throw new Error(`no account ${name}`);
  const t = await call<{ value: string }>(base, ADMIN, 'POST', '/client/v4/admin/tokens', {
    account_id: a.id,
    name: `${name} console`,
    scopes: ['addressing:write'],
  });
  return { id: a.id, name, token: t.body.result.value };
}

// One browser profile (a fresh --user-data-dir); each page is its own tab, and session storage (where
// the console keeps the token) is per tab, so an operator and customers can be signed in side by side.
let browser: BrowserContext;
let profile: string;
let A: Served;
// Pages a test opened, closed after it: each holds an event stream, and Chromium opens at most six
// HTTP/1.1 connections per host, so a seventh page of the same server would wait for one to end.
const opened: Page[] = [];

async function open(base: string, token: string, width = 1280): Promise<Page> {
  const page = await browser.newPage();
  opened.push(page);
  await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
  await page.goto(`${base}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('● live').waitFor({ timeout: 20_000 });
  expect(page.url()).not.toContain(token); // never in a URL
  return page;
}

/** axe-core on the page as it is: no serious or critical violation. */
async function axe(page: Page, label: string): Promise<void> {
  // through the DevTools protocol: the console's CSP (script-src 'self') rightly refuses an injected <script>
  await page.evaluate(AXE_SOURCE);
  const r = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, target: v.nodes[0] && v.nodes[0].target })))",
  )) as { id: string; impact: string; nodes: number; help: string }[];
  const bad = r.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `${label}: ${JSON.stringify(bad)}`).toEqual([]);
}

async function noHorizontalScroll(page: Page): Promise<void> {
  const [sw, cw] = (await page.evaluate(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  )) as [number, number];
  const wide = await page.evaluate(
    `[...document.querySelectorAll('body *')].filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > ${cw} + 1).slice(-5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`,
  );
  expect(sw, `page wider than the viewport: ${JSON.stringify(wide)}`).toBeLessThanOrEqual(cw + 1);
}

/** Every BGP prefix of BYOIP customers `from`..`to` (in account order) set to not advertised, by the operator. */
async function withdrawByoip(from: number, to: number): Promise<{ account: string; prefix: string; bgp: string }[]> {
  const accts = (await call<{ id: string; name: string }[]>(A.base, OPERATOR, 'GET', '/v1/accounts')).body.result
    .filter((a) => a.name.startsWith('byoip'))
    .slice(from, to);
  const done: { account: string; prefix: string; bgp: string }[] = [];
  for (const a of accts) {
    const ps = (
      await call<{ id: string }[]>(A.base, OPERATOR, 'GET', `/client/v4/accounts/${a.id}/addressing/prefixes`)
    ).body.result;
    for (const p of ps) {
      const path = `/client/v4/accounts/${a.id}/addressing/prefixes/${p.id}/bgp/prefixes`;
      for (const b of (await call<{ id: string }[]>(A.base, OPERATOR, 'GET', path)).body.result) {
        await call(A.base, OPERATOR, 'PATCH', `${path}/${b.id}`, { on_demand: { advertised: false } });
        done.push({ account: a.id, prefix: p.id, bgp: b.id });
      }
    }
  }
  return done;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

const chromiumMissing = existsSync(CHROMIUM) ? null : commandMissing('chromium');

describeIfAvailable('console end to end (serve + Chromium)', chromiumMissing, () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    if (!existsSync(join(repoRoot, 'dist', 'web', 'index.html')))
      execFileSync(
        process.execPath,
        [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'],
        {
          cwd: repoRoot,
          stdio: 'inherit',
        },
      );
    profile = mkdtempSync(join(tmpdir(), 'failsmall-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    A = await serve(PORT_A);
  }, 300_000);

  afterEach(async () => {
    for (const p of opened.splice(0)) await p.close();
  });

  afterAll(async () => {
    await browser?.close();
    A?.proc.kill('SIGTERM');
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('a customer cannot see or touch another account, through the UI or through its API calls', async () => {
    const acme = await customerToken(A.base, 'Acme Retail');
    const globex = await customerToken(A.base, 'Globex Media');
    const page = await open(A.base, acme.token);
    await page.getByRole('heading', { name: 'Acme Retail', exact: true }).waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('45.10.0.0/24');
    expect(text).not.toContain('45.11.'); // Globex's space
    // no operator views for a customer
    expect(await page.getByRole('button', { name: 'Network' }).count()).toBe(0);
    // the page's own credentials against another account: every read and write is refused
    const tries = (await page.evaluate(`(async () => {
      const h = { authorization: 'Bearer ' + sessionStorage.getItem('failsmall.token'), 'content-type': 'application/json' };
      const g = '${globex.id}';
      const go = async (m, p, b) => (await fetch(p, { method: m, headers: h, body: b === undefined ? undefined : JSON.stringify(b) })).status;
      return {
        overview: await go('GET', '/v1/accounts/' + g + '/overview'),
        prefixes: await go('GET', '/client/v4/accounts/' + g + '/addressing/prefixes'),
        revert: await go('POST', '/v1/accounts/' + g + '/revert-last-change', { reason: 'x' }),
        ret: await go('POST', '/v1/accounts/' + g + '/return-to-snapshot', { snapshot: 1, reason: 'x' }),
        accounts: await go('GET', '/v1/accounts'),
        history: await go('GET', '/v1/announcements/history'),
        alerts: await go('GET', '/v1/alerts'),
        audit: await go('GET', '/v1/audit'),
        rollouts: await go('GET', '/v1/rollouts/status'),
        incident: await go('POST', '/v1/incident-mode', { on: true, reason: 'x' }),
        rollback: await go('POST', '/v1/rollback', { to: '1', account: g, reason: 'x' }),
      };
    })()`)) as Record<string, number>;
    expect(tries).toEqual({
      overview: 404,
      prefixes: 404,
      revert: 404,
      ret: 404,
      accounts: 403,
      history: 403,
      alerts: 403,
      audit: 403,
      rollouts: 403,
      incident: 403,
      rollback: 403,
    });
    // a write to Globex's BGP prefix with Acme's token, by its real ids
    const gp = (
      await call<{ id: string }[]>(A.base, globex.token, 'GET', `/client/v4/accounts/${globex.id}/addressing/prefixes`)
    ).body.result[0] as { id: string };
    const gb = (
      await call<{ id: string }[]>(
        A.base,
        globex.token,
        'GET',
        `/client/v4/accounts/${globex.id}/addressing/prefixes/${gp.id}/bgp/prefixes`,
      )
    ).body.result[0] as { id: string };
    const w = await call(
      A.base,
      acme.token,
      'PATCH',
      `/client/v4/accounts/${globex.id}/addressing/prefixes/${gp.id}/bgp/prefixes/${gb.id}`,
      {
        on_demand: { advertised: false },
      },
    );
    expect(w.status).toBe(404);
    await axe(page, 'account view');
    await shot(page, 'customer-isolation');
    const phone = await open(A.base, acme.token, 390);
    await phone.getByRole('heading', { name: 'Acme Retail', exact: true }).waitFor();
    await noHorizontalScroll(phone);
    await axe(phone, 'account view, phone');
    await shot(phone, 'customer-phone');
  }, 180_000);

  it('in incident mode a customer re-advertises a withdrawn prefix and sees it go live', async () => {
    const acme = await customerToken(A.base, 'Acme Retail');
    const p = (
      await call<{ id: string; cidr: string }[]>(
        A.base,
        acme.token,
        'GET',
        `/client/v4/accounts/${acme.id}/addressing/prefixes`,
      )
    ).body.result;
    const target = p.find((x) => x.cidr === '45.10.1.0/24') as { id: string };
    const bgp = (
      await call<{ id: string }[]>(
        A.base,
        acme.token,
        'GET',
        `/client/v4/accounts/${acme.id}/addressing/prefixes/${target.id}/bgp/prefixes`,
      )
    ).body.result[0] as { id: string };
    // before the incident: the customer withdrew it, and the withdrawal rolled out
    const wd = await call(
      A.base,
      acme.token,
      'PATCH',
      `/client/v4/accounts/${acme.id}/addressing/prefixes/${target.id}/bgp/prefixes/${bgp.id}`,
      {
        on_demand: { advertised: false },
      },
    );
    expect(wd.status).toBe(200);
    const page = await open(A.base, acme.token);
    const row = page.locator('tr[data-cidr="45.10.1.0/24"]');
    await row.getByText('withdrawn', { exact: true }).and(row.getByTestId('edge-state')).waitFor({ timeout: 60_000 });

    // the operator switches incident mode on from the network view, with a reason
    const op = await open(A.base, OPERATOR);
    await op.getByRole('button', { name: 'Turn on' }).click();
    await op.getByLabel('Reason (recorded in the audit log)').fill('BYOIP prefixes withdrawn by a cleanup job');
    await op.getByRole('dialog').getByRole('button', { name: 'Turn incident mode on' }).click();
    await op.getByText('Incident mode', { exact: true }).and(op.locator('strong')).waitFor();
    await page.getByRole('alert').getByText('Incident mode').waitFor({ timeout: 10_000 }); // live, over SSE

    // a frozen write is refused with the reason
    const other = row.page().locator('tr[data-cidr="45.10.0.0/24"]');
    await other.getByRole('switch').click();
    await page.getByText(/incident mode is on/).waitFor();
    // the safe one: re-advertise
    await row.getByRole('switch').click();
    await page.getByText('45.10.1.0/24: advertise accepted').waitFor();
    await row.getByText(/^live at 12 of 12$/).waitFor({ timeout: 60_000 });
    expect(await other.getByRole('switch').getAttribute('aria-checked')).toBe('true');
    await axe(page, 'account view in incident mode');
    await shot(page, 'incident-readvertise');

    // the operator's audit view shows the switch and the customer's safe action as such
    await op.getByRole('button', { name: 'Audit' }).click();
    await op.getByLabel('Action (prefix)').fill('incident_mode');
    await op.getByRole('cell', { name: 'incident_mode.safe_action' }).waitFor();
    await op.getByRole('cell', { name: 'incident_mode.on' }).waitFor();
    await axe(op, 'audit view');
    const off = await call(A.base, OPERATOR, 'POST', '/v1/incident-mode', { on: false, reason: 'recovered' });
    expect(off.status).toBe(200);
  }, 180_000);

  it("an approver approves an operator's held change", async () => {
    // a deliberate large change: an operator withdraws 30 prefixes of six BYOIP customers at once
    await withdrawByoip(0, 6);
    // the operator made the change; a second person, the approver, reviews and approves it
    const page = await open(A.base, APPROVER);
    // The change held whole: on a loaded machine a compile may catch the first withdrawals alone (held by
    // the 1 h window), and the next compile supersedes it with all 30.
    const card = page.locator('article.rollout.held', { hasText: '30 withdrawals network-wide > 25 allowed' });
    await card.waitFor({ timeout: 30_000 });
    await page.getByText('TRIPPED', { exact: true }).waitFor();
    await axe(page, 'network view with a held rollout');
    await shot(page, 'held-change');
    const id = ((await card.locator('h3').textContent()) ?? '').split(' ')[0] as string;
    await card.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByLabel('Reason (recorded in the audit log)')
      .fill('decommissioning six BYOIP customers, ticket OPS-1234');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: `Approve ${id}` })
      .click();
    await page.getByText(`Approve ${id}: done`).waitFor();
    await until('the approved rollout to complete', async () => {
      const r = await call<{ status: string; approval: { by: string } | null }>(
        A.base,
        OPERATOR,
        'GET',
        `/v1/rollouts/${id}`,
      );
      return r.body.result.status === 'completed' && r.body.result.approval;
    });
    // then the breaker the held change tripped is reset, also with a reason
    await page.getByRole('button', { name: 'Reset breaker' }).click();
    await page.getByLabel('Reason (recorded in the audit log)').fill('the held change was reviewed and approved');
    await page.getByRole('dialog').getByRole('button', { name: 'Reset breaker' }).click();
    await page.getByText('closed', { exact: true }).waitFor({ timeout: 10_000 });
    const audit = (
      await call<{ action: string; object_id: string; reason: string }[]>(
        A.base,
        OPERATOR,
        'GET',
        '/v1/audit?action=rollout.approve',
      )
    ).body.result;
    expect(audit[0]).toMatchObject({ object_id: id, reason: 'decommissioning six BYOIP customers, ticket OPS-1234' });
    const phone = await open(A.base, OPERATOR, 390);
    await phone.getByText('Prefixes announced, last 15 minutes').waitFor();
    await noHorizontalScroll(phone);
    await axe(phone, 'network view, phone');
    await shot(phone, 'network-phone');
  }, 180_000);

  it("an approver rejects an operator's held change: desired state returns to the last good snapshot", async () => {
    const withdrawn = await withdrawByoip(6, 12);
    expect(withdrawn.length).toBeGreaterThan(25); // over the change limit: held
    const page = await open(A.base, APPROVER);
    const card = page.locator('article.rollout.held', {
      hasText: `${withdrawn.length} withdrawals network-wide > 25 allowed`,
    });
    await card.waitFor({ timeout: 30_000 });
    const id = ((await card.locator('h3').textContent()) ?? '').split(' ')[0] as string;
    await card.getByRole('button', { name: 'Reject' }).click();
    await page.getByLabel('Reason (recorded in the audit log)').fill('not ours to withdraw: ticket OPS-1235');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: `Reject ${id}` })
      .click();
    await page.getByText(`Reject ${id}: done`).waitFor();
    // the rejected rollout ended (aborted): it is among the recent ones, which say who rejected it and why
    await page.locator('summary', { hasText: 'Recent rollouts' }).click();
    await page.getByText(/Rejected by .*not ours to withdraw/).waitFor({ timeout: 10_000 });
    await shot(page, 'rejected-change');
    // every withdrawn BGP prefix is advertised again in desired state, and the breaker the change tripped closed
    for (const w of withdrawn) {
      const b = await call<{ on_demand: { advertised: boolean } }>(
        A.base,
        OPERATOR,
        'GET',
        `/client/v4/accounts/${w.account}/addressing/prefixes/${w.prefix}/bgp/prefixes/${w.bgp}`,
      );
      expect(b.body.result.on_demand.advertised, w.bgp).toBe(true);
    }
    const st = await call<{ breaker: { tripped: boolean } }>(A.base, OPERATOR, 'GET', '/v1/rollouts/status');
    expect(st.body.result.breaker.tripped).toBe(false);
    const audit = (
      await call<{ action: string; object_id: string; reason: string }[]>(
        A.base,
        OPERATOR,
        'GET',
        '/v1/audit?action=rollout.reject',
      )
    ).body.result;
    expect(audit[0]).toMatchObject({ object_id: id, reason: 'not ours to withdraw: ticket OPS-1235' });
  }, 180_000);

  it('during the 20 February replay the chart shows the drop at the canary and the recovery', async () => {
    const B = await serve(PORT_B);
    try {
      const page = await open(B.base, OPERATOR);
      await page.getByText('Prefixes announced, last 15 minutes').waitFor();
      type S = {
        at: number[];
        configured: number[];
        announced: number[];
        locations: Record<string, { announced: number[] }>;
      };
      // The window read below starts 5 s before the job: the demo fleet's first rollout must have reached
      // every location by then, or its first sample is a network still coming up that never comes back.
      await until(
        'the network to announce what it is configured to, for 5 s',
        async () => {
          const h = (await call<S>(B.base, OPERATOR, 'GET', `/v1/announcements/history?since=${Date.now() - 5500}`))
            .body.result;
          return h.announced.length > 1 && h.announced.every((n, i) => n > 0 && n === h.configured[i]) ? true : null;
        },
        120_000,
      );
      const t0 = Date.now();
      // Paced so that the first compile holds a withdrawal or two: the guard lets that much of a global job
      // through to the canary (1% of a location per hour), then the cumulative window trips the breaker.
      // A faster job is held before anything deploys, and the chart would show no drop at all.
      const job = await runReplayJob({ base: B.base, token: OPERATOR, paceMs: 700, max: 40, accountPrefix: 'byoip' });
      expect(job.literalCall).toEqual({ status: 400, error_code: 'E_API_QUERY_PARAM' });
      let seen = '';
      const series = await until(
        'the breaker to trip and every location to announce what it did before the job',
        async () => {
          const st = await call<{ breaker: { tripped: boolean } }>(B.base, OPERATOR, 'GET', '/v1/rollouts/status');
          const h = (await call<S>(B.base, OPERATOR, 'GET', `/v1/announcements/history?since=${t0 - 5000}`)).body
            .result;
          const first = h.announced[0] as number;
          seen = `tripped ${st.body.result.breaker.tripped}, announced first ${first} last ${h.announced.at(-1)}, configured first ${h.configured[0]} last ${h.configured.at(-1)}`;
          return st.body.result.breaker.tripped && h.announced.at(-1) === first ? h : null;
        },
        90_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message} (last seen: ${seen})`);
      });
      // the canary is the first location that lost prefixes; it dipped and came back
      const before = Object.fromEntries(
        Object.entries(series.locations).map(([l, v]) => [l, v.announced[0] as number]),
      );
      const dipAt = (l: string) => series.locations[l]?.announced.findIndex((n) => n < (before[l] as number)) ?? -1;
      const dipped = Object.keys(series.locations).filter((l) => dipAt(l) >= 0);
      expect(dipped.length).toBeGreaterThan(0);
      const canary = dipped.sort((x, y) => dipAt(x) - dipAt(y))[0] as string;
      const c = series.locations[canary]?.announced as number[];
      expect(Math.min(...c)).toBeLessThan(before[canary] as number);
      expect(c.at(-1)).toBe(before[canary]);
      // configured fell with the job's deletions and stays down; announced is back where it was
      expect(series.configured.at(-1)).toBeLessThan(series.configured[0] as number);
      expect(series.announced.at(-1)).toBe(series.announced[0]);
      // the console shows it: the breaker, and the canary's row back at its count
      await page.getByText('TRIPPED', { exact: true }).waitFor({ timeout: 15_000 });
      await page
        .locator(`tr[data-location="${canary}"] td`)
        .nth(1)
        .getByText(String(before[canary]))
        .waitFor({ timeout: 15_000 });
      await page.getByRole('img', { name: /Announced per location/ }).waitFor();
      await axe(page, 'network view after the replay');
      await shot(page, 'replay-20feb');
    } finally {
      B.proc.kill('SIGTERM');
    }
  }, 300_000);
});
