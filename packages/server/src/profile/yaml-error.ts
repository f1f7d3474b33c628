import type { YAMLParseError } from 'yaml';
import type { ProfileIssue } from './format-issues.js';

/** Lines shown above the error: YAML often notices a problem (an unclosed quote or bracket) lines later. */
const contextLines = 3;

/** `key: value` on a line whose key names a secret: the frame shows the key, never the value. */
const secretLine =
  /^(\s*(?:-\s+)?["']?[\w.-]*(?:key|secret|password|token|credential)[\w.-]*["']?\s*:\s*)\S.*$/i;

/** The offending lines, numbered, with a caret under the column (like a compiler's code frame). */
export function codeFrame(text: string, line: number, col: number): string {
  const lines = text.split(/\r?\n/);
  const first = Math.max(1, line - contextLines);
  const last = Math.min(lines.length, line);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const source = (lines[n - 1] ?? '').replace(secretLine, '$1***');
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${source}`.trimEnd());
  }
  out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, col - 1))}^`);
  return out.join('\n');
}

/**
 * Where a quoted value that never closes opened: YAML only notices at the end of the file. The last line
 * with an odd count of that quote, when such lines do not pair up (a value may span lines).
 */
function unclosedQuote(text: string, quote: string): { line: number; col: number } | undefined {
  const lines = text.split(/\r?\n/);
  const odd: number[] = [];
  lines.forEach((line, index) => {
    const escaped = quote === '"' ? (line.match(/\\"/g)?.length ?? 0) : 0;
    if ((line.split(quote).length - 1 - escaped) % 2 === 1) odd.push(index);
  });
  const index = odd.length % 2 === 1 ? odd.at(-1) : undefined;
  return index === undefined
    ? undefined
    : { line: index + 1, col: (lines[index] ?? '').lastIndexOf(quote) + 1 };
}

/**
 * A YAML syntax error as one issue: `line 4, column 11` as the path, yaml's whole sentence (without its own
 * position suffix and frame) as the message, followed by our code frame.
 */
export function yamlIssue(error: YAMLParseError, text: string): ProfileIssue {
  const sentence = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').trim();
  let message = sentence || 'invalid YAML';
  const quote = error.code === 'MISSING_CHAR' ? /closing (["'])quote/.exec(sentence)?.[1] : undefined;
  const opened = quote === undefined ? undefined : unclosedQuote(text, quote);
  if (opened) message += ': the quoted value that starts here never ends';
  const position = opened ?? error.linePos?.[0];
  if (!position) return { path: 'YAML', message };
  const line = text.split(/\r?\n/)[position.line - 1] ?? '';
  // Inside `{ ... }` YAML reads the `{` of an unquoted `${VAR}` as a nested mapping.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the hint spells ${VAR} literally
  if (/(^|[\s,{:])\$\{/.test(line)) message += ' (inside a { } mapping, quote "${VAR}" references)';
  return {
    path: `line ${position.line}, column ${position.col}`,
    message: `${message}\n${codeFrame(text, position.line, position.col)}`,
  };
}
