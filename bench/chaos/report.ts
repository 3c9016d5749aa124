/** The chaos run's figures, from the recorded answers, and the table it prints. */
import type { Answer } from './load';

export interface ChaosResult {
  variant: string;
  requests: number;
  /** Status -> count, over every request ("none": no answer). */
  byStatus: Record<string, number>;
  /** Most token checks in a row (by when they were answered) that got 503, and how long that lasted. */
  longest503Streak: { answers: number; ms: number };
  /** From the kill to the last token check answered 503 (0: none was). */
  fullServiceAfterMs: number;
  unanswered: number;
  /** Revoked tokens answered 200, during the load and when each was asked again at the end. */
  revokedAccepted: number;
  /** Live tokens answered 401: logins the fail-over lost. */
  liveRefused: number;
  logouts: { confirmed: number; unavailable: number };
  /** When the killed master was started again, and when the last logout answered 503 (both from the kill). */
  revivedAfterMs: number;
  logoutsConfirmedAgainAfterMs: number;
}

export function summarize(variant: string, answers: Answer[], killedAt: number, revivedAt: number, revokedAcceptedAtEnd: number): ChaosResult {
  const ordered = [...answers].sort((a, b) => a.doneAt - b.doneAt);
  const checks = ordered.filter((answer) => answer.kind !== 'logout');
  const byStatus: Record<string, number> = {};
  for (const answer of ordered) {
    const key = answer.status === 0 ? 'none' : String(answer.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  let streak = { answers: 0, ms: 0 };
  let start: Answer | null = null;
  let length = 0;
  for (const answer of checks) {
    if (answer.status !== 503) {
      start = null;
      length = 0;
      continue;
    }
    start ??= answer;
    length += 1;
    if (length > streak.answers) streak = { answers: length, ms: answer.doneAt - start.doneAt };
  }
  const last503 = checks.filter((answer) => answer.status === 503 && answer.doneAt >= killedAt).at(-1);
  const logouts = ordered.filter((answer) => answer.kind === 'logout');
  const lastUnconfirmed = logouts.filter((answer) => answer.status === 503 && answer.doneAt >= killedAt).at(-1);
  return {
    variant,
    requests: ordered.length,
    byStatus,
    longest503Streak: streak,
    fullServiceAfterMs: last503 ? last503.doneAt - killedAt : 0,
    unanswered: byStatus.none ?? 0,
    revokedAccepted: checks.filter((answer) => answer.kind === 'revoked' && answer.status === 200).length + revokedAcceptedAtEnd,
    liveRefused: checks.filter((answer) => answer.kind === 'live' && answer.status === 401).length,
    logouts: {
      confirmed: logouts.filter((answer) => answer.status === 204).length,
      unavailable: logouts.filter((answer) => answer.status === 503).length,
    },
    revivedAfterMs: revivedAt - killedAt,
    logoutsConfirmedAgainAfterMs: lastUnconfirmed ? lastUnconfirmed.doneAt - killedAt : 0,
  };
}

export function table(results: ChaosResult[]): string {
  const statuses = [...new Set(results.flatMap((result) => Object.keys(result.byStatus)))].sort();
  const rows: [string, (result: ChaosResult) => string][] = [
    ['requests', (r) => String(r.requests)],
    ...statuses.map((status): [string, (result: ChaosResult) => string] => [`answered ${status}`, (r) => String(r.byStatus[status] ?? 0)]),
    ['longest 503 streak', (r) => `${r.longest503Streak.answers} answers over ${seconds(r.longest503Streak.ms)}`],
    ['token checks: full service again after the kill', (r) => seconds(r.fullServiceAfterMs)],
    ['requests without an answer', (r) => String(r.unanswered)],
    ['revoked tokens accepted', (r) => String(r.revokedAccepted)],
    ['live tokens refused (lost logins)', (r) => String(r.liveRefused)],
    ['logouts confirmed (204) / unconfirmed (503, retried)', (r) => `${r.logouts.confirmed} / ${r.logouts.unavailable}`],
    ['killed master restarted (as a replica) after', (r) => seconds(r.revivedAfterMs)],
    ['last logout answered 503, after the kill', (r) => seconds(r.logoutsConfirmedAgainAfterMs)],
  ];
  const header = `| | ${results.map((r) => r.variant).join(' | ')} |\n| --- |${results.map(() => ' ---: |').join('')}`;
  return [header, ...rows.map(([name, cell]) => `| ${name} | ${results.map(cell).join(' | ')} |`)].join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
