// Test helpers of the report framework: SVG checks shared by runs/report and test/ tests.
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Well-formed XML whose root element is <svg>. */
export function assertSvg(text: string, what: string): void {
  const valid = XMLValidator.validate(text);
  assert.equal(valid, true, `${what}: ${JSON.stringify(valid)}`);
  const doc = new XMLParser({ ignoreAttributes: true }).parse(text) as Record<string, unknown>;
  const roots = Object.keys(doc).filter((k) => k !== '?xml' && k !== '#text');
  assert.deepEqual(roots, ['svg'], `${what}: root elements ${roots.join(', ')}`);
}

/** Every <svg>...</svg> inlined in an HTML page (they do not nest). */
export function inlineSvgs(html: string): string[] {
  return html.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];
}
