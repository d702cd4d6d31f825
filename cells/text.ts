// Text that users give and cellsearch shows again (cell and experiment names: one line of
// printable characters; cell descriptions and sources: lines of them). A control character in such a name would
// reach a terminal (ESC sequences set its title or move the cursor), a Markdown heading (a
// newline starts a list or a code block), a DOT label or a Python string (NUL), so it is refused
// where the text comes in. `printable` escapes text of unknown origin (file paths, old
// databases) wherever it is shown.
import { z } from 'zod';

/** C0 controls (newline, tab and ESC among them), DEL, C1 controls, and the Unicode line and paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');

/** One line of printable text. */
export const TextLineSchema = z.string().refine((s) => !CONTROL.test(s), {
  message: 'must not contain control characters (newline, tab, escape, NUL, ...)',
});

/** Lines of text (a description, a source): TextLineSchema's rule, with newlines and tabs allowed. */
export const TextSchema = z.string().refine((s) => !CONTROL.test(s.replace(/[\n\t]/g, ' ')), {
  message: 'must not contain control characters other than newline and tab (escape, NUL, ...)',
});

/** Whether `s` holds a character that TextLineSchema refuses. */
export function hasControl(s: string): boolean {
  return CONTROL.test(s);
}

/** `s` with every control character written as a visible escape (`\n`, `\x1b`, `\u2028`), for terminals and reports. */
export function printable(s: string): string {
  return s.replace(CONTROL_ALL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
