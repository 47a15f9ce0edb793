import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli } from '../support/cli.js';
import { demoWorkspace, type RunningCli, startCli } from '../support/send-world.js';

const MOLLIE = 'mollie@example.com';

/** The "Done when": send, one-click unsubscribe through `dn-mailer serve`, rerun, resubscribe, rerun. */
describe('unsubscribe and resubscribe on the demo workspace (built CLI, real HTTP)', () => {
  let ws: Awaited<ReturnType<typeof demoWorkspace>>;
  let serve: RunningCli;
  let port: number;
  const cli = (...args: string[]) => runCli([...args, '--config', ws.config]);
  const send = (campaign: string) =>
    cli(
      'send-report',
      '--month',
      'January',
      '--year',
      '2025',
      '--campaign-id',
      campaign,
      '--accept',
      'payout-warnings,ambiguous-reports',
      '--yes',
      '--json',
      '--verbose',
    );

  beforeAll(async () => {
    ws = await demoWorkspace();
    port = await freePort();
    const config = JSON.parse(await readFile(ws.config, 'utf8'));
    config.unsubscribe.baseUrl = `http://127.0.0.1:${port}/unsubscribe`;
    await writeFile(ws.config, JSON.stringify(config));
    serve = startCli(['serve', '--port', String(port), '--config', ws.config]);
    for (let i = 0; i < 100 && !serve.stderr().includes('listening') && !(await isUp(port)); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 30_000);

  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.done;
  });

  it('one-click POST unsubscribes; the next campaign skips the address and says why; resubscribe brings it back', async () => {
    const first = await send('campaign-a');
    expect(first.code).toBe(0);
    const eml = await emlTo(ws.outbox, MOLLIE);
    const parsed = await simpleParser(eml);
    const header = String(
      parsed.headers.get('list-unsubscribe') ?? eml.match(/List-Unsubscribe: ([^\r\n]+)/)?.[1],
    );
    expect(eml).toMatch(/List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    const url = /<(http:[^>]+)>/.exec(eml.replace(/\r?\n\s+/g, ' '))?.[1] ?? '';
    expect(url).toContain(`http://127.0.0.1:${port}/unsubscribe?data=`);
    expect(header).toBeTruthy();
    expect(parsed.html).toContain(url.replaceAll('&', '&amp;').split('?')[0]);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form[^>]+method="post"/i);
    const click = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(click.status).toBe(200);
    expect(click.headers.get('location')).toBeNull();
    expect(click.headers.get('set-cookie')).toBeNull();
    // A mail provider that sends the one-click POST again gets 200 and adds no second audit row.
    const replay = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(replay.status).toBe(200);

    const second = await send('campaign-b');
    expect(second.code).toBe(0);
    const skipped = JSON.parse(second.stdout).data.results.skipped as { email: string; reason: string }[];
    expect(skipped).toEqual([
      expect.objectContaining({ email: MOLLIE, reason: expect.stringContaining('unsubscribed') }),
    ]);
    const status = JSON.parse(
      (await cli('status', '--campaign-id', 'campaign-b', '--all', '--json', '--verbose')).stdout,
    );
    expect(status.rows.find((row: { email: string }) => row.email === MOLLIE)).toMatchObject({
      status: 'skipped',
    });

    const resubscribed = await cli(
      'resubscribe',
      MOLLIE,
      '--reason',
      'asked to receive reports again',
      '--yes',
    );
    expect(resubscribed.code).toBe(0);
    const third = await send('campaign-c');
    const sent = JSON.parse(third.stdout).data.results.successful as { email: string }[];
    expect(sent.map((row) => row.email)).toContain(MOLLIE);

    const shown = JSON.parse((await cli('contacts', 'show', MOLLIE, '--json')).stdout);
    expect(shown.preferences.topics['financial-reports']).toBe('OPT_IN');
    expect(shown.history.map((e: { action: string; source: string }) => `${e.action}/${e.source}`)).toEqual([
      'unsubscribe/one-click',
      'resubscribe/cli',
    ]);
  }, 60_000);

  it('refuses an unknown address, an invalid one and a malformed token with exit 4, changing nothing', async () => {
    for (const args of [
      ['unsubscribe', 'nobody@example.com'],
      ['unsubscribe', 'not-an-address'],
      ['unsubscribe', '--token', 'garbage!!'],
    ]) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(4);
    }
    const shown = JSON.parse((await cli('contacts', 'show', 'nobody@example.com', '--json')).stdout);
    expect(shown).toMatchObject({ preferences: null, history: [] });
  });

  it('resubscribe without a terminal and without --yes refuses (exit 2)', async () => {
    expect((await cli('resubscribe', MOLLIE)).code).toBe(2);
  });
});

async function isUp(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return true;
  } catch {
    return false;
  }
}

async function emlTo(outbox: string, to: string): Promise<string> {
  for (const name of await readdir(outbox)) {
    const text = await readFile(path.join(outbox, name), 'utf8');
    if (new RegExp(`^To: ${to}`, 'm').test(text)) return text;
  }
  throw new Error(`no message to ${to} in ${outbox}`);
}
