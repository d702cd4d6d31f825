// A report's files: written beside and renamed (an interruption keeps the previous report), never
// through a symbolic link, stale figures removed only once the documents no longer name them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isUserError } from '../../errors.ts';
import { tempDir } from '../../test/helpers.ts';
import { writeReportFiles } from './write-files.ts';

const REPORT = { figures: [['figures/a.svg', '<svg>a2</svg>']], documents: [['report.md', 'md2'], ['report.html', 'html2']] } as const;

function previous(dir: string) {
  mkdirSync(join(dir, 'figures'), { recursive: true });
  writeFileSync(join(dir, 'report.md'), 'md1');
  writeFileSync(join(dir, 'report.html'), 'html1');
  writeFileSync(join(dir, 'figures', 'a.svg'), '<svg>a1</svg>');
  writeFileSync(join(dir, 'figures', 'old.svg'), '<svg>old</svg>');
  writeFileSync(join(dir, 'figures', 'mine.svg'), '<svg>the user\'s</svg>');
}

test('a symbolic link in place of a report file is replaced, its target left alone', () => {
  const dir = tempDir();
  const victim = join(tempDir(), 'victim.txt');
  writeFileSync(victim, 'precious');
  mkdirSync(join(dir, 'figures'));
  symlinkSync(victim, join(dir, 'report.md'));
  symlinkSync(victim, join(dir, 'figures', 'a.svg'));
  writeReportFiles(dir, REPORT);
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal(lstatSync(join(dir, 'report.md')).isSymbolicLink(), false);
  assert.equal(readFileSync(join(dir, 'report.md'), 'utf8'), 'md2');
  assert.equal(readFileSync(join(dir, 'figures', 'a.svg'), 'utf8'), '<svg>a2</svg>');
});

test('a write that fails midway leaves the previous report whole and no temporary file', () => {
  const dir = tempDir();
  previous(dir);
  mkdirSync(join(dir, 'figures', 'b.svg')); // a folder where a figure goes: its rename fails
  assert.throws(() => writeReportFiles(dir, { ...REPORT, figures: [...REPORT.figures, ['figures/b.svg', '<svg>b</svg>']], stale: (f) => f === 'old.svg' }));
  assert.equal(readFileSync(join(dir, 'report.md'), 'utf8'), 'md1');
  assert.equal(readFileSync(join(dir, 'report.html'), 'utf8'), 'html1');
  assert.equal(readFileSync(join(dir, 'figures', 'old.svg'), 'utf8'), '<svg>old</svg>', 'the old report.md may still name it');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('tmp')), []);
  assert.deepEqual(readdirSync(join(dir, 'figures')).filter((f) => f.includes('tmp')), []);
});

test('stale figures go after the documents, and only those the writer owns', () => {
  const dir = tempDir();
  previous(dir);
  const written = writeReportFiles(dir, { ...REPORT, stale: (f) => f === 'old.svg' || f === 'a.svg' });
  assert.deepEqual(written, [join(dir, 'figures/a.svg'), join(dir, 'report.md'), join(dir, 'report.html')]);
  assert.deepEqual(readdirSync(join(dir, 'figures')).sort(), ['a.svg', 'mine.svg']);
  assert.equal(readFileSync(join(dir, 'report.html'), 'utf8'), 'html2');
});

test('a folder that is a file is refused with a UserError', () => {
  const file = join(tempDir(), 'afile');
  writeFileSync(file, 'x');
  assert.throws(() => writeReportFiles(file, REPORT), (e) => isUserError(e) && /afile is a file, not a folder/.test((e as Error).message));
  assert.equal(readFileSync(file, 'utf8'), 'x');
});
