import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { findWorld, formatBytes, openWorld } from '../../src/worlds/world-files.js';

function tempDir(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'world-files-'));
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) {
      mkdirSync(join(root, path), { recursive: true });
      continue;
    }
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function zipFile(entries: Record<string, string>): string {
  const file = join(tempDir(), 'backup.zip');
  writeFileSync(file, zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, strToU8(v)]))));
  return file;
}

const keys = (world: { files: readonly { key: string }[] }) => world.files.map((f) => f.key).sort();

describe('findWorld', () => {
  it('takes a legacy world from either of its files, with the .old copies', () => {
    const dir = tempDir({
      'Midgard.fwl': 'f',
      'Midgard.db': 'dbdb',
      'Midgard.db.old': 'o',
      'Other.fwl': 'x',
    });
    for (const file of ['Midgard.fwl', 'Midgard.db']) {
      const world = findWorld(join(dir, file), undefined);
      expect(world).toMatchObject({ name: 'Midgard', format: 'legacy', totalBytes: 6 });
      expect(keys(world)).toEqual(['Midgard.db', 'Midgard.db.old', 'Midgard.fwl']);
    }
  });

  it('needs both halves of a legacy world', () => {
    const dir = tempDir({ 'Midgard.fwl': 'f' });
    expect(() => findWorld(join(dir, 'Midgard.fwl'), undefined)).toThrow(
      /a legacy world needs both Midgard\.fwl and Midgard\.db next to each other — copy both files/,
    );
  });

  it('takes a Valheim 1.0 world folder, from the folder or one of its files', () => {
    const dir = tempDir({ 'Midgard/_main.0.fwl2': 'm', 'Midgard/chunks/c.0.fwl2': 'cc' });
    for (const path of [join(dir, 'Midgard'), join(dir, 'Midgard', '_main.0.fwl2')]) {
      const world = findWorld(path, undefined);
      expect(world).toMatchObject({ name: 'Midgard', format: 'folder', totalBytes: 3 });
      expect(keys(world)).toEqual(['Midgard/_main.0.fwl2', 'Midgard/chunks/c.0.fwl2']);
    }
  });

  it('accepts a world folder without *.fwl2 files when it is named like the expected world', () => {
    const dir = tempDir({ 'Midgard/chunk-a': 'a', 'Midgard/chunk-b': 'b' });
    expect(findWorld(join(dir, 'Midgard'), 'Midgard')).toMatchObject({ name: 'Midgard', format: 'folder' });
  });

  it('picks the expected world in a worlds_local with several, and lists the others', () => {
    // Given a PC's Valheim folder (worlds_local holds three worlds in both formats)
    const dir = tempDir({
      'characters_local/Ragnar.fch': 'c',
      'worlds_local/Midgard/_main.0.fwl2': 'm',
      'worlds_local/Midgard.fwl': 'f',
      'worlds_local/Midgard.db': 'd',
      'worlds_local/Asgard.fwl': 'f',
      'worlds_local/Asgard.db': 'd',
      'worlds_local/Jotunheim/_main.0.fwl2': 'j',
    });

    // When / Then
    const world = findWorld(dir, 'Midgard');
    expect(world).toMatchObject({ name: 'Midgard', format: 'both', others: ['Asgard', 'Jotunheim'] });
    expect(keys(world)).toEqual(['Midgard.db', 'Midgard.fwl', 'Midgard/_main.0.fwl2']);
    expect(() => findWorld(join(dir, 'worlds_local'), 'Vanaheim')).toThrow(
      /holds several worlds \(Asgard, Jotunheim, Midgard\) and none is named "Vanaheim" — point at one world's files instead/,
    );
  });

  it('takes the only world whatever its name, and finds worlds_local below /config', () => {
    const dir = tempDir({
      'backups/worlds-20261123-190500.zip': 'z',
      'worlds_local/Asgard/_main.0.fwl2': 'a',
      'adminlist.txt': '',
    });
    expect(findWorld(dir, 'Midgard')).toMatchObject({ name: 'Asgard', others: [] });
  });

  it('never offers a folder without world files as a world', () => {
    // Given folders of other things next to a legacy world, and a folder of only such folders
    const withWorld = tempDir({
      'Midgard.fwl': 'f',
      'Midgard.db': 'd',
      'screenshots/a.png': 'p',
      'backups/notes.txt': 'n',
    });
    const without = tempDir({ 'screenshots/a.png': 'p', 'mods/plugin.dll': 'x' });
    // When / Then the world is taken without asking which, and no world is found where there is none
    expect(findWorld(withWorld, undefined)).toMatchObject({ name: 'Midgard', format: 'legacy', others: [] });
    expect(() => findWorld(without, undefined)).toThrow(/^no world found in /);
  });

  it('falls back to the legacy worlds folder', () => {
    const dir = tempDir({ 'worlds/Midgard.fwl': 'f', 'worlds/Midgard.db': 'd' });
    expect(findWorld(dir, undefined)).toMatchObject({ name: 'Midgard', format: 'legacy' });
  });

  it('says clearly when there is no world', () => {
    const dir = tempDir({ 'notes.txt': 'hello', 'empty/': '' });
    expect(() => findWorld(dir, 'Midgard')).toThrow(
      `no world found in ${dir} — point at <World>.fwl + <World>.db, a Valheim 1.0 world folder <World>/, a folder containing worlds_local, or a .zip of one of those`,
    );
    expect(() => findWorld(join(dir, 'notes.txt'), 'Midgard')).toThrow(/notes\.txt is not a Valheim world/);
  });
});

describe('openWorld', () => {
  it("unpacks the image's backup zip and cleans up after", () => {
    // Given a zip as the image writes it (worlds_local/ at the top)
    const zip = zipFile({
      'worlds_local/Midgard/_main.0.fwl2': 'meta',
      'worlds_local/Midgard/chunk.0.0.fwl2': 'chunk',
      'worlds_local/Midgard.fwl': 'old format',
      'worlds_local/Midgard.db': 'old db',
    });

    // When
    const opened = openWorld(zip, 'Midgard');

    // Then the world is found in the unpacked files, which go away on dispose
    expect(opened.world).toMatchObject({ name: 'Midgard', format: 'both', totalBytes: 25 });
    const unpacked = opened.world.files[0]?.path as string;
    expect(existsSync(unpacked)).toBe(true);
    opened.dispose();
    expect(existsSync(unpacked)).toBe(false);
  });

  it('finds worlds_local one level down in a zip (config/worlds_local/…), and a bare world folder', () => {
    expect(
      openWorld(
        zipFile({ 'config/worlds_local/Midgard.fwl': 'f', 'config/worlds_local/Midgard.db': 'd' }),
        'Midgard',
      ).world,
    ).toMatchObject({ name: 'Midgard', format: 'legacy' });
    expect(openWorld(zipFile({ 'Midgard/_main.0.fwl2': 'm' }), undefined).world).toMatchObject({
      name: 'Midgard',
      format: 'folder',
    });
  });

  it('refuses zip entries that would land outside the folder, and files that are not zips', () => {
    expect(() => openWorld(zipFile({ '../../evil.fwl': 'x' }), 'Midgard')).toThrow(
      /holds a file outside its folder/,
    );
    const notZip = join(tempDir({ 'fake.zip': 'not a zip' }), 'fake.zip');
    expect(() => openWorld(notZip, 'Midgard')).toThrow(/is not a readable zip/);
    expect(() => openWorld('/nonexistent/world.zip', 'Midgard')).toThrow(
      '/nonexistent/world.zip does not exist — check the path',
    );
  });
});

describe('formatBytes', () => {
  it('uses decimal units with one decimal', () => {
    expect([0, 999, 1000, 48_123_456, 2_500_000_000].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.0 kB',
      '48.1 MB',
      '2.5 GB',
    ]);
  });
});
