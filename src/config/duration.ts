/** Durations in configuration: a number of seconds, or a number with a unit (500ms, 30s, 30m, 12h, 7d). */
const UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Seconds, or null when the text is not a duration. */
export function parseDurationSeconds(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  const unit = (match[2] ?? 's') as keyof typeof UNITS_MS;
  return (Number(match[1]) * UNITS_MS[unit]) / 1000;
}
