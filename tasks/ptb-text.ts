// Raw English text to Penn-Treebank-style text (the format of Mikolov's ptb.*.txt): one sentence
// per line, lowercase, numbers replaced by `N`, punctuation removed, clitics split as the
// Treebank does (`do n't`, `nation 's`), abbreviations and acronyms kept (`mr.`, `u.s.`), and
// words outside the vocabulary replaced by `<unk>`. Used by tasks/data/build-sotu.ts to build
// the corpus that ships with cellsearch.

/** Titles and abbreviations that keep their period and never end a sentence. */
const ABBREVIATIONS = new Set([
  'mr.', 'mrs.', 'ms.', 'dr.', 'st.', 'jr.', 'sr.', 'messrs.', 'gen.', 'gov.', 'sen.', 'rep.', 'hon.',
  'col.', 'capt.', 'lt.', 'adm.', 'rev.', 'prof.', 'no.', 'nos.', 'vs.', 'co.', 'inc.', 'corp.', 'ltd.',
  'jan.', 'feb.', 'mar.', 'apr.', 'aug.', 'sept.', 'sep.', 'oct.', 'nov.', 'dec.',
]);
const ACRONYM = /^(?:[a-z]\.){2,}$/;
const NUMBER = /^[\d][\d,.:/]*(?:st|nd|rd|th|s|'s)?$/;
const CLITIC = /^(.*[a-z0-9])('s|'re|'ve|'ll|'d|'m)$/;

/** Splits raw text into sentences of PTB-style tokens (no `<unk>` yet). */
export function ptbSentences(text: string): string[][] {
  const normalized = text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]|--+/g, ' ');
  const sentences: string[][] = [];
  let current: string[] = [];
  for (const raw of normalized.split(/\s+/)) {
    if (!raw) continue;
    current.push(...ptbTokens(raw));
    if (endsSentence(raw) && current.length > 0) {
      sentences.push(current);
      current = [];
    }
  }
  if (current.length > 0) sentences.push(current);
  return sentences;
}

function endsSentence(raw: string): boolean {
  const m = /^(.*?)([.!?]+)["')\]]*$/.exec(raw);
  if (!m) return false;
  if (m[2] !== '.') return true;
  const word = `${m[1].toLowerCase()}.`;
  // A single initial ("J.") or a known abbreviation does not end a sentence.
  return !(ABBREVIATIONS.has(word) || /^[a-z]\.$/.test(word) || ACRONYM.test(word));
}

/** The PTB-style tokens of one whitespace-separated word of raw text. */
export function ptbTokens(raw: string): string[] {
  const w = raw.toLowerCase();
  const kept = /^["'(\[]*(.*?)["')\],;:!?]*$/.exec(w)?.[1] ?? w;
  if (ABBREVIATIONS.has(kept) || ACRONYM.test(kept)) return [kept];
  if (NUMBER.test(kept.replace(/^[$\u00a3]/, '').replace(/%$/, ''))) return ['N'];
  const out: string[] = [];
  // Characters other than letters, digits, hyphens, apostrophes and periods separate words.
  for (const piece of w.split(/[^a-z0-9'.\-]+/)) {
    const t = piece.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, (edge) => (/^'s$/.test(edge) ? edge : ''));
    if (!t) continue;
    if (NUMBER.test(t)) { out.push('N'); continue; }
    if (/n't$/.test(t) && t.length > 3) { out.push(t.slice(0, -3), "n't"); continue; }
    const c = CLITIC.exec(t);
    if (c) { out.push(NUMBER.test(c[1]) ? 'N' : c[1], c[2]); continue; }
    const word = t.replace(/[.']/g, '');
    if (word) out.push(/^\d+$/.test(word) ? 'N' : word);
  }
  return out;
}

/** The `size` most frequent words (ties broken by code-unit order), the rest to become `<unk>`. */
export function topWords(sentences: string[][], size: number): Set<string> {
  const counts = new Map<string, number>();
  for (const s of sentences) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Set(sorted.slice(0, size).map(([w]) => w));
}

/** Lines of PTB-style text: words outside `vocab` become `<unk>`. */
export function ptbLines(sentences: string[][], vocab: Set<string>): string {
  return sentences.map((s) => ` ${s.map((w) => (vocab.has(w) ? w : '<unk>')).join(' ')} \n`).join('');
}
