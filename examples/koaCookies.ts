/**
 * Cookie sessions on the library, for a Koa app moving from koa-session or express-session: the
 * session token in an HttpOnly cookie, slid on every request, with CSRF protection for forms.
 * docs/migration.md shows this file from its imports to the routes, without the `export`s (a test
 * checks it word for word). The app is exported: `app.listen(3000)` serves it.
 */
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { authenticate, createRedisClient, createTessera, csrfProtection, csrfTokenOf, requireAuth, SessionCookie } from 'tessera-sessions';

export const redis = createRedisClient({ kind: 'standalone', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
export const tessera = createTessera(redis, { idleTimeoutSeconds: 30 * 60 });

const cookie = new SessionCookie(); // __Host-tessera, Secure; new SessionCookie({ secure: false }) for plain-http localhost
const isLogin = (ctx: Koa.Context) => ctx.path === '/login';

export const app = new Koa();
app.use(bodyParser()); // csrfProtection reads the _csrf field of a form
app.use(authenticate(tessera, { fallbackToken: cookie.read })); // the cookie when no Authorization header came
app.use(cookie.slide()); // sends the cookie again with the slid Max-Age; clears it once its session is dead
app.use(csrfProtection({ isPageForm: isLogin, isTokenExempt: isLogin })); // same origin, and the session's token

const router = new Router();
router.post('/login', async (ctx) => {
  const user = await checkPasswordYourWay(ctx);
  const { token, session } = await tessera.create(user.id, { ip: ctx.ip, userAgent: ctx.get('User-Agent') });
  cookie.write(ctx, token, session.expiresAt); // a new session, a new random token: nothing to fixate
  ctx.redirect('/');
});
router.get('/', requireAuth(), async (ctx) => {
  const csrf = await csrfTokenOf(ctx.state.session);
  ctx.type = 'html';
  ctx.body = `<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${csrf}"><button>Sign out</button></form>`;
});
router.post('/logout', requireAuth(), async (ctx) => {
  await tessera.revoke(ctx.state.session.id);
  cookie.clear(ctx);
  ctx.redirect('/login');
});
app.use(router.routes());

/** Stands in for the app's own user check (here: any username, password "correct horse"). */
async function checkPasswordYourWay(ctx: Koa.Context): Promise<{ id: string }> {
  const { username, password } = ctx.request.body as { username?: string; password?: string };
  if (!username || password !== 'correct horse') ctx.throw(401, 'Wrong username or password');
  return { id: username };
}
