/**
 * "Did you mean": the nearest candidate by edit distance, compared without regard to case and
 * without the prefix they share (SCMP_ACT_, SCMP_ARCH_, …), so "SCMP_ACT_NOPE" is near nothing.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const prefix = commonPrefix(list);
  const strip = (s: string): string =>
    s.toUpperCase().startsWith(prefix) ? s.slice(prefix.length) : s;
  const w = strip(word).toLowerCase();
  // a third of the word, at least 1 and at most 3: "mkdri" → "mkdir", but not "foo" → "read"
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of list) {
    const d = distance(w, strip(c).toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** The leading `…_` part every candidate shares, upper-cased ("SCMP_ACT_"), or "". */
function commonPrefix(list: readonly string[]): string {
  const first = list[0];
  if (first === undefined || list.length < 2) return "";
  let n = first.length;
  for (const s of list) {
    let i = 0;
    while (i < n && i < s.length && s[i] === first[i]) i++;
    n = i;
  }
  const cut = first.lastIndexOf("_", n - 1);
  return cut < 0 ? "" : first.slice(0, cut + 1).toUpperCase();
}

/** `; did you mean "X"?`, or "" when nothing is near. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const n = nearest(word, candidates);
  return n === undefined ? "" : `; did you mean "${n}"?`;
}

/** Levenshtein distance with transpositions counted as one edit, cut off at `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) >= max) return max;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (prev2[j - 2] ?? 0) + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= max) return max;
    prev2 = prev;
    prev = row;
  }
  return Math.min(prev[b.length] ?? max, max);
}
