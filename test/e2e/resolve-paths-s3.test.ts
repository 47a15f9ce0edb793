import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_CONFIG, runCli } from '../support/cli.js';
import { S3RVER_CREDENTIALS } from '../support/s3rver.js';

const DEMO_DIR = path.dirname(DEMO_CONFIG);
const BUCKET = 'e2e-demo-reports';

async function filesUnder(dir: string, base = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory()
        ? filesUnder(path.join(dir, e.name), base)
        : [path.relative(base, path.join(dir, e.name))],
    ),
  );
  return nested.flat();
}

describe('dn-mailer resolve-paths --backend aws (built CLI against s3rver)', () => {
  const endpoint = inject('s3Endpoint');
  let configDir: string;

  beforeAll(async () => {
    const client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      credentials: S3RVER_CREDENTIALS,
    });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const reportsDir = path.join(DEMO_DIR, 'reports');
    for (const key of await filesUnder(reportsDir)) {
      const body = await readFile(path.join(reportsDir, key));
      await client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key.split(path.sep).join('/'), Body: body }),
      );
    }
    configDir = await mkdtemp(path.join(tmpdir(), 'dn-e2e-s3-'));
    const demo = JSON.parse(await readFile(DEMO_CONFIG, 'utf8')) as { users: Record<string, unknown> };
    await writeFile(
      path.join(configDir, '.distronationrc.json'),
      JSON.stringify({
        backend: 'aws',
        users: { ...demo.users, source: 'file', file: path.join(DEMO_DIR, 'users.json') },
        reports: { bucket: BUCKET, forcePathStyle: true },
      }),
    );
  });

  it('finds the same keys in S3 as in the local directory', async () => {
    const env = {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    };
    const args = ['resolve-paths', '--month', 'jan', '--year', '2025', '--json'];
    const [s3, local] = await Promise.all([
      runCli(args, { cwd: configDir, env }),
      runCli([...args, '--config', DEMO_CONFIG]),
    ]);
    expect(s3.code).toBe(0);
    expect(s3.stderr).not.toContain('NodeVersionSupportWarning');
    const s3Json = JSON.parse(s3.stdout) as { rows: unknown[]; summary: unknown };
    const localJson = JSON.parse(local.stdout) as { rows: unknown[]; summary: unknown };
    expect(s3Json.rows).toEqual(localJson.rows);
    expect(s3Json.summary).toEqual(localJson.summary);
  });

  it('a missing bucket is a config error with a hint', async () => {
    const result = await runCli(['resolve-paths', '-m', 'jan', '-y', '2025', '--json'], {
      cwd: configDir,
      env: {
        AWS_ENDPOINT_URL_S3: endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'us-east-1',
        DN_MAILER_REPORTS__BUCKET: 'no-such-bucket',
      },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no-such-bucket');
  });

  it('no region is a config error, not a crash', async () => {
    const result = await runCli(['resolve-paths', '-m', 'jan', '-y', '2025'], {
      cwd: configDir,
      env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('AWS_REGION');
  });
});
