import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdEntries, fileModes, notPrivate } from '../support/file-modes.js';
import {
  DEMO_JANUARY_FINDINGS,
  demoWorkspace,
  JANUARY,
  parseJson,
  type SendJson,
  startCli,
  stopStrayClis,
} from '../support/send-world.js';

// Spawns the BUILT CLI (`npm run build` first) under umask 022, which the child inherits from this process: what
// dn-mailer writes holds addresses, signed links and unsubscribe tokens, so files are 0600 and new folders 0700.
const CAMPAIGN = 'financial-2025-01';

let umaskBefore: number;
beforeAll(() => {
  umaskBefore = process.umask(0o022);
});
afterAll(() => {
  process.umask(umaskBefore);
  stopStrayClis();
});

describe('dn-mailer under umask 022 (built CLI, a copy of the demo workspace)', () => {
  it('a dry run then a local send: everything written is 0600 in 0700 folders', async () => {
    const ws = await demoWorkspace();
    const before = await fileModes(ws.dir);

    const dryRun = await startCli(['send-report', ...JANUARY, '--dry-run', '--config', ws.config]).done;
    expect(dryRun.code, dryRun.stderr).toBe(0);
    const planned = createdEntries(before, await fileModes(ws.dir));
    const folder = `previews/${CAMPAIGN}`;
    expect(planned).toMatchObject({
      previews: 'dir 700',
      [folder]: 'dir 700',
      [`${folder}/manifest.json`]: 'file 600',
      [`${folder}/report.html`]: 'file 600',
      [`${folder}/plan-digest.txt`]: 'file 600',
    });
    expect(Object.keys(planned).filter((name) => name.endsWith('.eml'))).toHaveLength(7);
    expect(notPrivate(planned)).toEqual({});

    const send = await startCli([
      'send-report',
      ...JANUARY,
      ...DEMO_JANUARY_FINDINGS,
      '--yes',
      '--json',
      '--config',
      ws.config,
    ]).done;
    expect(send.code, send.stderr).toBe(0);
    expect(parseJson<SendJson>(send).data.successful).toBe(7);
    const sent = createdEntries(before, await fileModes(ws.dir));
    expect(sent).toMatchObject({ '.dn-mailer': 'dir 700', '.dn-mailer/outbox': 'dir 700' });
    expect(Object.keys(sent).filter((name) => name.startsWith('.dn-mailer/outbox/'))).toHaveLength(7);
    expect(Object.keys(sent).filter((name) => name.startsWith('.dn-mailer/reports/'))).toHaveLength(1);
    // The SQLite files are another module's concern; every other file the two runs wrote is checked here.
    const ours = Object.fromEntries(Object.entries(sent).filter(([name]) => !name.includes('.sqlite')));
    expect(notPrivate(ours)).toEqual({});
  }, 60_000);
});
