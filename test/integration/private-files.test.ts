import { chown, link, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findSymlink,
  makePrivateDir,
  makePrivateTempDir,
  writePrivateFile,
} from '../../src/adapters/local/private-files.js';
import { ConfigError } from '../../src/core/common/errors.js';
import { freshDir } from '../support/demo.js';

// The primitives every writer of dn-mailer uses, on the real file system, under the usual umask 022.
const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

let umaskBefore: number;
beforeAll(() => {
  umaskBefore = process.umask(0o022);
});
afterAll(() => {
  process.umask(umaskBefore);
});

describe('writePrivateFile', () => {
  it('writes a new file 0600 (text or bytes) and leaves no temp file', async () => {
    const dir = await freshDir('dn-private-');
    expect(await writePrivateFile(path.join(dir, 'a.json'), '{"to":"a@example.test"}\n')).toBe(
      path.join(dir, 'a.json'),
    );
    await writePrivateFile(path.join(dir, 'b.eml'), Buffer.from('Subject: x\r\n\r\nbody'));
    expect(await modeOf(path.join(dir, 'a.json'))).toBe(0o600);
    expect(await modeOf(path.join(dir, 'b.eml'))).toBe(0o600);
    expect(await readFile(path.join(dir, 'b.eml'), 'utf8')).toBe('Subject: x\r\n\r\nbody');
    expect((await readdir(dir)).sort()).toEqual(['a.json', 'b.eml']);
  });

  it('replaces an existing 0644 file atomically with a 0600 one', async () => {
    const dir = await freshDir('dn-private-');
    const file = path.join(dir, 'report.html');
    await writeFile(file, 'old, and longer than the new content', { mode: 0o644 });
    await writePrivateFile(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await modeOf(file)).toBe(0o600);

    // A crashed write's temp file (0644, longer) is reused: truncated, made 0600, renamed away.
    await writeFile(`${file}.tmp`, 'a leftover of a crashed earlier write', { mode: 0o644 });
    await writePrivateFile(file, 'newer');
    expect(await readFile(file, 'utf8')).toBe('newer');
    expect(await modeOf(file)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['report.html']);
  });

  it('refuses a symlink at the destination, dangling or not (ConfigError naming it); its target is untouched', async () => {
    const dir = await freshDir('dn-private-');
    const outside = await freshDir('dn-private-outside-');
    const victim = path.join(outside, 'victim');
    await writeFile(victim, 'precious', { mode: 0o600 });
    const toFile = path.join(dir, 'to-file.html');
    const dangling = path.join(dir, 'dangling.html');
    await symlink(victim, toFile);
    await symlink(path.join(outside, 'new-file'), dangling);
    for (const file of [toFile, dangling]) {
      const write = writePrivateFile(file, 'x');
      await expect(write).rejects.toBeInstanceOf(ConfigError);
      await expect(write).rejects.toThrow(`${file} is a symlink; dn-mailer never writes through a symlink`);
      expect((await lstat(file)).isSymbolicLink()).toBe(true);
    }
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(await readdir(outside)).toEqual(['victim']);
  });

  it("'replace-any' replaces a symlink at the destination with the file itself; its target is untouched", async () => {
    const dir = await freshDir('dn-private-');
    const outside = await freshDir('dn-private-outside-');
    const victim = path.join(outside, 'victim');
    await writeFile(victim, 'precious', { mode: 0o600 });
    const file = path.join(dir, '01-a.html');
    await symlink(victim, file);
    await writePrivateFile(file, 'new', 'replace-any');
    expect((await lstat(file)).isSymbolicLink()).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await modeOf(file)).toBe(0o600);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(await readdir(outside)).toEqual(['victim']);
    expect(await readdir(dir)).toEqual(['01-a.html']);
  });

  it('never follows a symlink planted at its temp file', async () => {
    const dir = await freshDir('dn-private-');
    const outside = await freshDir('dn-private-outside-');
    const file = path.join(dir, 'manifest.json');
    await symlink(path.join(outside, 'stolen'), `${file}.tmp`);
    await expect(writePrivateFile(file, 'secret')).rejects.toThrow(`${file}.tmp is a symlink`);
    expect(await readdir(outside)).toEqual([]);
  });

  // Only root can give a file away; as any other user nobody else can create files in a folder of yours.
  it.runIf(process.getuid?.() === 0)('refuses a temp file that belongs to another user', async () => {
    const dir = await freshDir('dn-private-');
    const file = path.join(dir, 'report.html');
    await writeFile(`${file}.tmp`, 'theirs', { mode: 0o666 });
    await chown(`${file}.tmp`, 65534, 65534);
    const write = writePrivateFile(file, 'mine');
    await expect(write).rejects.toBeInstanceOf(ConfigError);
    await expect(write).rejects.toThrow(`${file}.tmp belongs to another user`);
    expect(await readFile(`${file}.tmp`, 'utf8')).toBe('theirs');
    expect(await readdir(dir)).toEqual(['report.html.tmp']);
  });

  it("reuses a crashed write's leftover temp file, but never writes into one linked to a published file", async () => {
    const dir = await freshDir('dn-private-');
    const published = path.join(dir, 'a.eml');
    await writeFile(published, 'delivered');
    await link(published, `${published}.tmp`);
    await writePrivateFile(published, 'again', 'number');
    expect(await readFile(published, 'utf8')).toBe('delivered');
    expect(await readFile(path.join(dir, 'a.2.eml'), 'utf8')).toBe('again');
    expect(await modeOf(path.join(dir, 'a.2.eml'))).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['a.2.eml', 'a.eml']);
  });

  it("'fail' never replaces anything (EEXIST), a symlink there included", async () => {
    const dir = await freshDir('dn-private-');
    const file = path.join(dir, 'key');
    await symlink(path.join(dir, 'elsewhere'), file);
    await expect(writePrivateFile(file, 'k', 'fail')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readdir(dir)).toEqual(['key']);
  });

  it("'number' writes beside an existing file: name.2.ext, name.3.ext", async () => {
    const dir = await freshDir('dn-private-');
    const file = path.join(dir, 'm@x.eml');
    expect(await writePrivateFile(file, '1', 'number')).toBe(file);
    expect(await writePrivateFile(file, '2', 'number')).toBe(path.join(dir, 'm@x.2.eml'));
    expect(await writePrivateFile(file, '3', 'number')).toBe(path.join(dir, 'm@x.3.eml'));
    expect(await readFile(path.join(dir, 'm@x.eml'), 'utf8')).toBe('1');
    expect(await readFile(path.join(dir, 'm@x.3.eml'), 'utf8')).toBe('3');
  });
});

describe('writePrivateFile without a leftover (the temp file created exclusively, in three calls)', () => {
  it('the file is 0600 from its creation even under umask 0, in every mode', async () => {
    const dir = await freshDir('dn-private-');
    const before = process.umask(0);
    try {
      await writePrivateFile(path.join(dir, '001-C1.html'), '<p>x</p>');
      await writePrivateFile(path.join(dir, 'm@x.eml'), Buffer.from('Subject: x\r\n\r\nbody'), 'number');
      await writePrivateFile(path.join(dir, 'm@x.eml'), Buffer.from('again'), 'number');
      await writePrivateFile(path.join(dir, 'key'), 'k', 'fail');
    } finally {
      process.umask(before);
    }
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['001-C1.html', 'key', 'm@x.2.eml', 'm@x.eml']);
    for (const name of names) expect(await modeOf(path.join(dir, name)), name).toBe(0o600);
    expect(await readFile(path.join(dir, 'm@x.eml'), 'utf8')).toBe('Subject: x\r\n\r\nbody');
  });
});

describe('private folders', () => {
  it('makePrivateDir creates every missing level 0700 and leaves an existing folder as it is', async () => {
    const dir = await freshDir('dn-private-');
    const existing = path.join(dir, 'existing');
    await mkdir(existing, { mode: 0o755 });
    await makePrivateDir(path.join(existing, 'a', 'b'));
    expect(await modeOf(existing)).toBe(0o755);
    expect(await modeOf(path.join(existing, 'a'))).toBe(0o700);
    expect(await modeOf(path.join(existing, 'a', 'b'))).toBe(0o700);
  });

  it('makePrivateTempDir makes a new 0700 folder with an unpredictable name each time', async () => {
    const parent = await freshDir('dn-private-');
    const first = await makePrivateTempDir(parent, 'dn-mailer-preview-');
    const second = await makePrivateTempDir(parent, 'dn-mailer-preview-');
    expect(first).not.toBe(second);
    expect(path.basename(first)).toMatch(/^dn-mailer-preview-\w{6}$/);
    expect(await modeOf(first)).toBe(0o700);
  });

  it('findSymlink names the first symlink on the way to a file, a folder or the file itself', async () => {
    const root = await freshDir('dn-private-');
    await mkdir(path.join(root, 'real'));
    await symlink(path.join(root, 'real'), path.join(root, 'keys'));
    await symlink('/nonexistent/dn-mailer-test', path.join(root, 'real', 'key'));
    expect(await findSymlink(root, path.join(root, 'keys', 'a.pem'))).toBe(path.join(root, 'keys'));
    expect(await findSymlink(root, path.join(root, 'real', 'key'))).toBe(path.join(root, 'real', 'key'));
    expect(await findSymlink(root, path.join(root, 'real', 'other'))).toBeUndefined();
    expect(await findSymlink(root, path.join(root, 'missing', 'x'))).toBeUndefined();
  });
});
