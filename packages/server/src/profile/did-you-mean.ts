import { distance } from 'fastest-levenshtein';

/** Case, `_` and `-` are the usual slips (`apikey`, `api_key`, `rate-limit`), so they cost nothing. */
function normalize(word: string): string {
  return word.toLowerCase().replace(/[-_]/g, '');
}

/** The most edits a likely typo of `word` has: two (a swap of letters), or a third of a long word. */
function tolerance(word: string): number {
  return word.length <= 2 ? 1 : Math.max(2, Math.floor(word.length / 3));
}

/** The candidate closest to `word`, when it is close enough to be a likely typo. */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const wanted = normalize(word);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(wanted, normalize(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= tolerance(wanted) ? best : undefined;
}

/** `; did you mean \`apiKey\`?`, or the valid choices when none is close, or nothing when there are none. */
export function suggestion(word: string, candidates: readonly string[]): string {
  const match = closestMatch(word, candidates);
  if (match !== undefined) return `; did you mean \`${match}\`?`;
  if (candidates.length === 0) return '';
  return `; expected one of ${candidates.map((c) => `\`${c}\``).join(', ')}`;
}
