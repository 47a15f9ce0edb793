import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalFiles } from '../../src/adapters/local/host.js';
import { createSecretRegistry } from '../../src/core/common/secret-registry.js';

const SECRET = 'FILESECRET-5d2c9a7e13b84f60';

describe('files written on this machine are scrubbed of the run’s secrets', () => {
  it('report.html, preview pages and the temp preview carry the marker, never the value', async () => {
    const secrets = createSecretRegistry();
    secrets.register(SECRET, 'users.korrect.apiKey');
    const files = createLocalFiles((text) => secrets.scrub(text));
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-scrub-'));
    const html = `<p>failed: Korrect answered "${SECRET}" / ${SECRET.slice(3, 15)}</p>`;
    const written = [
      await files.writeReport(path.join(dir, 'report.html'), html),
      await files.writePreviewHtml(path.join(dir, 'page.html'), html),
      await files.writeTempPreviewHtml(dir, 'DYLVN.html', html),
    ];
    for (const file of written) {
      const text = await readFile(file, 'utf8');
      expect(text).toContain('[secret users.korrect.apiKey]');
      expect(text).not.toContain(SECRET.slice(3, 13));
    }
    expect((await readdir(dir)).length).toBeGreaterThanOrEqual(3);
  });
});
