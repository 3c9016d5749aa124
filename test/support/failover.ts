/** What clients see while Redis fails over, asked the way the fail-over suites ask it. */
import type { RedisProcess } from './redisServer';
import { cutOffReplica } from './replication';
import type { TestService } from './service';

/**
 * Asks with every live token, and with one revoked just before the fail-over, until every live
 * one is served again. On every round nothing may be answered but 200 or 503 (a revoked token:
 * 401 or 503), never a 500 and never a wrong 200. Answers the statuses the live tokens got.
 * Generous by default: a sentinel on a starved machine can pause itself (TILT) for 30 s.
 */
export async function untilServedAgain(service: TestService, liveTokens: string[], revokedToken: string, timeoutMs = 60_000): Promise<Set<number>> {
  const seen = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(liveTokens.map((token) => service.call('GET', '/auth/session', { token }).then((r) => r.status)));
    const revokedStatus = (await service.call('GET', '/auth/session', { token: revokedToken })).status;
    for (const status of statuses) seen.add(status);
    expect([401, 503]).toContain(revokedStatus);
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    if (statuses.every((status) => status === 200)) return seen;
    if (Date.now() > deadline) throw new Error(`not served again within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * What a client does with a 503: ask again, a little later, for as long as it takes (up to a
 * bound). `between` runs after each 503, for what a test does while it waits.
 */
export async function retriedUntilAnswered(send: () => Promise<Response>, between: () => Promise<void> = async () => undefined): Promise<number> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { status } = await send();
    if (status !== 503 || Date.now() > deadline) return status;
    await between();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** How a deployment's fail-over shows and heals, for the scenario below. */
export interface FailoverControls {
  /** Whether the replica has taken over from the killed master. */
  promoted(): Promise<boolean>;
  /** Brings the killed master back (as the new master's replica) and waits until it is in sync. */
  healed(): Promise<void>;
}

/**
 * A logout the replica never saw, then the master killed before it could: the logout is not
 * acknowledged (503), because the replica that takes over lacks it. The client retries until
 * answered; the logout then sticks (204, or 401 if an earlier attempt took effect), also once the
 * old master is back. The promoted replica can confirm nothing until then, so healing starts as
 * soon as it has taken over.
 */
export async function logoutMissedByPromotedReplica(
  service: TestService,
  token: string,
  master: RedisProcess,
  replica: RedisProcess,
  controls: FailoverControls,
): Promise<void> {
  const cut = await cutOffReplica(master, replica);
  const first = await service.call('POST', '/auth/logout', { token });
  await master.stop('SIGKILL');
  cut.resume();
  expect(first.status).toBe(503);

  let healing: Promise<void> | null = null;
  const status = await retriedUntilAnswered(
    () => service.call('POST', '/auth/logout', { token }),
    async () => {
      if (!healing && (await controls.promoted())) healing = controls.healed();
    },
  );
  expect([204, 401]).toContain(status);
  await healing;
  expect((await service.call('GET', '/auth/session', { token })).status).toBe(401);
}
