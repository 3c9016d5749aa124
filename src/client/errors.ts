/** The SDK's typed errors: apps tell a session that ended from a network that failed. */
import type { SessionEndedReason } from './types.js';

/** Base of the SDK's errors; `code` tells them apart without instanceof (across bundles). */
export class TesseraClientError extends Error {
  constructor(
    message: string,
    /** A stable code: 'session-ended', 'refresh-failed', 'request-failed'. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The session is over and no refresh can bring it back: sign in again. */
export class SessionEndedError extends TesseraClientError {
  constructor(readonly reason: SessionEndedReason) {
    super(`The session has ended (${reason}); sign in again.`, 'session-ended');
  }
}

/** The refresh could not be sent or answered (network, 5xx): the session may still be fine; try again. */
export class RefreshFailedError extends TesseraClientError {
  constructor(cause: unknown) {
    super('The session could not be refreshed right now; try again.', 'refresh-failed', { cause });
  }
}

/** A call of the SDK's own (login, logout) was refused; `problem` is the server's problem+json. */
export class RequestFailedError extends TesseraClientError {
  constructor(
    readonly status: number,
    readonly problem: { type?: string; title?: string; detail?: string } | null,
  ) {
    super(problem?.detail ?? `The request failed with status ${status}.`, 'request-failed');
  }
}
