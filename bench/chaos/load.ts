/**
 * Authenticated load for the chaos run: workers check live and revoked tokens and log out live
 * ones, and every answer is recorded with when it was sent and when it came. A logout answered
 * 204 (or a retry answered 401) makes its token revoked from that moment: any later 200 for it is
 * a revoked token accepted, the failure this run exists to catch. A logout answered 503 is retried,
 * as a client would.
 */
const RETRY_AFTER_MS = 1000;

export interface Answer {
  kind: 'live' | 'revoked' | 'logout';
  sentAt: number;
  doneAt: number;
  /** HTTP status, or 0 when no answer came (connection error or timeout). */
  status: number;
}

export interface LoadOptions {
  url: string;
  workers: number;
  /** Share of requests that log a live token out. */
  logoutShare: number;
  /** A request without an answer after this long counts as unanswered. */
  timeoutMs: number;
}

export class ChaosLoad {
  readonly answers: Answer[] = [];
  /** Tokens whose logout was acknowledged, with when. */
  readonly revoked = new Map<string, number>();
  private readonly live: string[];
  /** Logouts answered 503, each with when it may be tried again. */
  private readonly loggingOut: { token: string; notBefore: number }[] = [];
  private running = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly options: LoadOptions,
    live: string[],
    revoked: string[],
  ) {
    this.live = [...live];
    for (const token of revoked) this.revoked.set(token, 0);
  }

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.options.workers }, () => this.work());
  }

  /** Logouts answered 503 and not yet repeated with success. */
  get pendingLogouts(): number {
    return this.loggingOut.length;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** Asks once more about every revoked token, after the dust settled: answers 200 are revoked tokens accepted. */
  async recheckRevoked(): Promise<number> {
    let accepted = 0;
    for (const token of this.revoked.keys()) {
      if ((await this.send('GET', '/auth/session', token)) === 200) accepted += 1;
    }
    return accepted;
  }

  private async work(): Promise<void> {
    while (this.running) {
      const retry = this.loggingOut[0]?.notBefore <= Date.now() ? this.loggingOut.shift() : undefined;
      if (retry) await this.logout(retry.token);
      else if (Math.random() < this.options.logoutShare && this.live.length > 1) {
        await this.logout(this.live.splice(Math.floor(Math.random() * this.live.length), 1)[0]);
      } else await this.check();
    }
  }

  private async check(): Promise<void> {
    const revoked = [...this.revoked.keys()];
    const useRevoked = revoked.length > 0 && Math.random() < 0.3;
    const token = useRevoked ? revoked[Math.floor(Math.random() * revoked.length)] : this.live[Math.floor(Math.random() * this.live.length)];
    await this.record(useRevoked ? 'revoked' : 'live', 'GET', '/auth/session', token);
  }

  private async logout(token: string): Promise<void> {
    const status = await this.record('logout', 'POST', '/auth/logout', token);
    if (status === 204 || status === 401) this.revoked.set(token, Date.now());
    // A client backs off after a 503 rather than hammering.
    else this.loggingOut.push({ token, notBefore: Date.now() + RETRY_AFTER_MS });
  }

  private async record(kind: Answer['kind'], method: string, path: string, token: string): Promise<number> {
    const sentAt = Date.now();
    const status = await this.send(method, path, token);
    this.answers.push({ kind, sentAt, doneAt: Date.now(), status });
    return status;
  }

  private async send(method: string, path: string, token: string): Promise<number> {
    try {
      const response = await fetch(this.options.url + path, {
        method,
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }
}
