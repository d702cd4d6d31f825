// Names in report.md (from file names, cell names, experiment names of older databases) are text:
// no HTML, heading, list or code block can be injected through them, in either report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeBlock, escapeMd, renderMarkdown } from './markdown.ts';
import { renderAblationReport } from './ablation/render.ts';

const HOSTILE = 'v<svg onload=alert(9)>\n# injected heading\n- injected item\n```\ncode\x1b]0;t\x07';

/** The Markdown lines that a hostile name could have started: headings, list items, fences, raw tags. */
function injected(md: string): string[] {
  return md.split('\n').filter((l) => /^(# injected|- injected|```$|code)/.test(l) || /(^|[^\\])<svg/.test(l) || /[\x00-\x08\x0b-\x1f]/.test(l));
}

test('escapeMd turns a name into one line of inert text', () => {
  const e = escapeMd(HOSTILE);
  assert.equal(e.includes('\n'), false);
  assert.equal(e.includes('\x1b'), false);
  assert.doesNotMatch(e, /(^|[^\\])</);
  // Shown as written: `\n` and `\x1b` in visible escapes (a backslash in Markdown is written `\\`).
  assert.equal(e, 'v\\<svg onload=alert(9)\\>\\\\n\\# injected heading\\\\n- injected item\\\\n\\`\\`\\`\\\\ncode\\\\x1b]0;t\\\\x07'.replace(']', '\\]'));
});

test('codeBlock: a fence that backticks in the text cannot close', () => {
  assert.equal(codeBlock('a\n'), '```\na\n```');
  assert.equal(codeBlock('x ``` y\n````'), '`````\nx ``` y\n````\n`````');
});

test('the ablation report.md escapes variant names in headings, paragraphs, tables and captions', async () => {
  const r = await renderAblationReport({
    title: `Ablation study ${HOSTILE}`,
    kind: 'ablate',
    sections: [
      {
        id: 'overview',
        title: `Task ${HOSTILE}`,
        level: 2,
        paragraphs: [`variants (${HOSTILE}, gru)`],
        tables: [{ caption: HOSTILE, header: ['variant', 'mean'], rows: [[HOSTILE, '1.0']] }],
        figures: [],
      },
    ],
  });
  assert.deepEqual(injected(r.markdown), []);
  assert.equal(r.markdown.split('\n').filter((l) => l.startsWith('#')).length, 2, r.markdown);
  assert.doesNotMatch(r.html, /<svg onload/);
});

test('the search and train report.md escape names the same way', () => {
  const md = renderMarkdown({
    title: HOSTILE,
    subtitle: HOSTILE,
    sections: [{ id: 's', title: HOSTILE, blocks: [{ kind: 'text', text: HOSTILE }, { kind: 'list', items: [HOSTILE] }, { kind: 'table', table: { columns: [{ label: HOSTILE, align: 'left' }], rows: [[HOSTILE]] } }] }],
  });
  assert.deepEqual(injected(md), []);
  assert.equal(md.split('\n').filter((l) => l.startsWith('#')).length, 2, md);
});
