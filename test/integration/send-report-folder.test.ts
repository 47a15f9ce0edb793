import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDeps } from '../../src/cli/deps.js';
import { runInProcess } from '../support/memory-backend.js';
import { DEMO_JANUARY_FINDINGS, demoWorkspace, JANUARY } from '../support/send-world.js';

describe('send-report checks where its run report goes before it sends (real local backend)', () => {
  it('a default report folder that cannot be written stops the run before anything is sent', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.join(ws.dir, '.dn-mailer'), { recursive: true });
    // A file where the reports folder would be: no send may start if its report cannot be written afterwards.
    await writeFile(path.join(ws.dir, '.dn-mailer', 'reports'), 'not a folder');
    const result = await runInProcess(
      ['send-report', ...JANUARY, ...DEMO_JANUARY_FINDINGS, '--yes', '--config', ws.config],
      {
        cwd: ws.dir,
        now: new Date('2025-02-10T12:00:00Z'),
        makeDeps: createDeps,
      },
    );
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/✘ the run report folder: \S*\.dn-mailer\/reports is not a folder\n/);
    expect(await readdir(ws.outbox).catch(() => [])).toEqual([]);
  });

  it('doctor fails its "run reports" check on the same workspace', async () => {
    const ws = await demoWorkspace();
    await mkdir(path.join(ws.dir, '.dn-mailer'), { recursive: true });
    await writeFile(path.join(ws.dir, '.dn-mailer', 'reports'), 'not a folder');
    const result = await runInProcess(['doctor', ...JANUARY, '--json', '--config', ws.config], {
      cwd: ws.dir,
      now: new Date('2025-02-10T12:00:00Z'),
      makeDeps: createDeps,
    });
    expect(result.code).toBe(3);
    const checks = (JSON.parse(result.stdout) as { checks: { name: string; ok: boolean; detail: string }[] })
      .checks;
    expect(checks.find((check) => check.name === 'run reports')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/reports is not a folder/),
    });
    expect(checks.filter((check) => !check.ok).map((check) => check.name)).toEqual(['run reports']);
  });
});
