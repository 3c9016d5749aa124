/** The known name closest to a mistyped one, for error messages that suggest the fix. */

/** The candidate within a few edits of `name` (case-insensitive), or null when none is that close. */
export function closestName(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const [typed, known] = [name.toLowerCase(), candidate.toLowerCase()];
    // A name that is part of a known one (idleTimeout, maxSessions) is a shortening, however many letters it lacks.
    const shortening = typed.length >= 4 && (known.includes(typed) || typed.includes(known));
    const distance = shortening ? 1 : editDistance(typed, known);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
