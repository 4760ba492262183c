// Teams renders markdown in TextBlock texts, fact titles and values, and message texts. A company
// name such as `[Approve now](https://evil.example)` typed by an operator or returned by Partner
// Center must show as typed, never as a link, bold text or a mention: every user- or
// service-supplied string is escaped where it lands in markdown.

/** Characters that start markdown anywhere in a line (emphasis, links, code, strike-through, HTML/mentions). */
const INLINE = /[\\`*_[\]<>~|]/g;
/**
 * Markdown that only counts at the start of a line: headings, list items, rules and underlines
 * (`# x`, `- x`, `+ x`, `1. x`, `---`, `===`), i.e. the mark followed by a space, the end or itself.
 * `+1 425 555 0101` or `-5` is text, and stays as typed.
 */
const LINE_START = /^(\s*)(?:([#+\-=])(?=\s|$|\2)|(\d+)([.)])(?=\s|$))/gm;

/** The text, shown literally where Teams renders markdown. */
export function markdownText(text: string): string {
  return text
    .replace(INLINE, '\\$&')
    .replace(LINE_START, (_all, space: string, mark?: string, number?: string, dot?: string) => (mark ? `${space}\\${mark}` : `${space}${number}\\${dot}`));
}

/** Template literal tag: the literal parts are our markdown, every interpolated value is escaped. */
export function markdown(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((text, part, i) => text + (i > 0 ? markdownText(String(values[i - 1])) : '') + part, '');
}
