// Gathering dropped folders and picked files (www/data/collect.ts) with stand-ins for the browser's entries:
// folders read to the end in batches, junk never listed, the listing bound, only kept files opened.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { collectDropped, collectPicked, listEntries } = await importWww('www/data/collect.ts');

/** A tree of stand-in entries; `readEntries` answers `batch` at a time, then nothing, as Chromium does (100). */
function tree(spec, opened, path = '', batch = 100) {
  const entries = [];
  for (const [name, value] of Object.entries(spec)) {
    const fullPath = `${path}/${name}`;
    if (value && typeof value === 'object' && !(value instanceof Blob)) {
      const children = tree(value, opened, fullPath, batch);
      entries.push({
        isFile: false,
        isDirectory: true,
        name,
        fullPath,
        createReader() {
          let at = 0;
          return { readEntries: (ok) => setTimeout(() => ok(children.slice(at, (at += batch)))) };
        },
      });
    } else {
      entries.push({
        isFile: true,
        isDirectory: false,
        name,
        fullPath,
        file(ok, fail) {
          opened.push(fullPath);
          setTimeout(() => (value === null ? fail(new Error('gone')) : ok(new File([value ?? 'x'], name))));
        },
      });
    }
  }
  return entries;
}

test('folders are read to the end (250 files in batches of 100), depth first, with paths from the drop', async () => {
  const many = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`${i}.png`, 'x']));
  const opened = [];
  const roots = tree({ letters: { a: many, b: { '1.png': 'x' } } }, opened);
  const listing = await listEntries(roots, 1000);
  assert.equal(listing.files.length, 251);
  assert.equal(listing.files[0].path, 'letters/a/0.png');
  assert.equal(listing.files.at(-1).path, 'letters/b/1.png');
  assert.equal(listing.stoppedIn, null);
  assert.deepEqual(opened, [], 'listing opens nothing');
});

test('dot-folders and __MACOSX are not entered, dotfiles and thumbnails not listed', async () => {
  const roots = tree({ set: { '.git': { 'x.png': 'x' }, __MACOSX: { '._a.png': 'x' }, '.DS_Store': 'x', 'Thumbs.db': 'x', 'a.png': 'x' } }, []);
  const listing = await listEntries(roots, 1000);
  assert.deepEqual(listing.files.map((f) => f.path), ['set/a.png']);
});

test('listing stops at the bound and names the folder it stopped in', async () => {
  const roots = tree({ big: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}.png`, 'x'])) }, []);
  const listing = await listEntries(roots, 20);
  assert.equal(listing.files.length, 20);
  assert.equal(listing.stoppedIn, 'big');
});

/** A DataTransfer stand-in whose items give entries. */
const dropOf = (roots, extraFiles = []) => ({
  items: [...roots.map((entry) => ({ kind: 'file', webkitGetAsEntry: () => entry, getAsFile: () => null })),
    ...extraFiles.map((f) => ({ kind: 'file', webkitGetAsEntry: () => null, getAsFile: () => f })), { kind: 'string' }],
  files: [],
});

test('a drop: only the first images in path order are opened, the rest named; non-images named unopened', async () => {
  const opened = [];
  const folder = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`${i + 1}.png`, 'x']));
  folder['readme.md'] = 'hi';
  folder['0-gone.png'] = null; // listed, kept, but fails to open
  const roots = tree({ set: folder, 'extra.zip': 'PK' }, opened);
  const collected = await collectDropped(dropOf(roots, [new File(['x'], 'loose.gif')]), { limits: { maxImages: 10 } });
  assert.deepEqual(collected.files.map((f) => f.path), ['extra.zip', 'loose.gif', 'set/1.png', 'set/2.png', 'set/3.png', 'set/4.png', 'set/5.png', 'set/6.png', 'set/7.png']);
  assert.ok(collected.files.every((f) => f.file instanceof Blob));
  assert.ok(!opened.includes('/set/readme.md') && !opened.includes('/set/12.png'));
  assert.deepEqual(collected.skipped, [
    { name: 'set/readme.md', reason: 'not an image (PNG, JPEG, WebP or GIF)' },
    { name: 'set/0-gone.png', reason: 'could not be read (moved, deleted, or not allowed)' },
  ]);
  assert.deepEqual(collected.unread, [{ count: 5, first: ['set/8.png', 'set/9.png', 'set/10.png'], reason: 'over the limit of 10 images: not read' }]);
});

test('a drop of more files than can be listed says where reading stopped', async () => {
  const roots = tree({ big: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${i}.png`, 'x'])) }, []);
  const collected = await collectDropped(dropOf(roots), { limits: { maxListed: 25 } });
  assert.equal(collected.files.length, 25);
  assert.deepEqual(collected.skipped, [{ name: 'big', reason: 'reading stopped after 25 files: the rest were not read' }]);
});

test('picked files keep the folder path the picker gives them', async () => {
  const picked = [
    Object.assign(new File(['x'], '1.png'), { webkitRelativePath: 'letters/b/1.png' }),
    Object.assign(new File(['x'], '1.png'), { webkitRelativePath: 'letters/a/1.png' }),
    new File(['x'], 'plain.png'),
  ];
  const collected = await collectPicked(picked);
  assert.deepEqual(collected.files.map((f) => f.path), ['letters/a/1.png', 'letters/b/1.png', 'plain.png']);
  assert.equal(collected.files[0].file, picked[1]);
});
