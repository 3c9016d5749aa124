/** Fixed notices shown after an action (`?done=<code>`); the query never puts its own text on a page. */
import type { Context } from 'koa';

const NOTICES = {
  'device-signed-out': 'That device is signed out.',
  'others-signed-out': 'Every other device is signed out.',
  'password-changed': 'Your password is changed; every other device is signed out.',
  'session-gone': 'That session had already ended.',
  'form-expired': 'That form had expired, so nothing was done. Please send it again.',
  'signed-out': 'You are signed out.',
  banned: 'The user is banned and their sessions have ended.',
  unbanned: 'The ban is lifted.',
  'not-banned': 'That user was not banned.',
  'session-revoked': 'The session is revoked.',
  'sessions-revoked': 'Every session of the user is revoked.',
} as const;

export type NoticeCode = keyof typeof NOTICES;

export function notice(code: NoticeCode): string {
  return NOTICES[code];
}

/** The notice the request's `?done=` names, if it names one. */
export function noticeOf(ctx: Context): string | undefined {
  const code = ctx.query.done;
  return typeof code === 'string' && Object.hasOwn(NOTICES, code) ? NOTICES[code as NoticeCode] : undefined;
}
