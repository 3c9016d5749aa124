import Router from '@koa/router';
import type { Cluster, Redis } from 'ioredis';
import Koa from 'koa';
import request from 'supertest';
import { authenticate, createTessera, DpopVerifier, ownRequest, problemDetails, ProofRefusedError, requireAuth, type SessionService } from '../../src';
import { BACKENDS, uniquePrefix } from '../support/backends';
import { newDpopKey, type TestDpopKey } from '../support/dpop';

const ORIGIN = 'https://app.example';

/** A library app binding its own logins: one DpopVerifier for its login route and the middleware. */
function appWith(tessera: SessionService): Koa {
  const dpop = new DpopVerifier({ publicOrigin: ORIGIN });
  const app = new Koa();
  const router = new Router();
  router.post('/login', async (ctx) => {
    // After the app's own password check.
    const proof = await dpop.forIssuance(ownRequest(ctx), false);
    const created = await tessera.create('user-1', {}, { boundKey: proof?.jkt });
    ctx.body = { token: created.token, tokenType: proof ? 'DPoP' : 'Bearer' };
  });
  router.get('/public', (ctx) => {
    ctx.body = { user: ctx.state.user?.id ?? null, failure: ctx.state.authFailure ?? null };
  });
  router.get('/private', requireAuth(), (ctx) => {
    ctx.body = { user: ctx.state.user.id, boundKey: ctx.state.session.boundKey };
  });
  app.use(problemDetails({ logger: { warn: () => undefined, error: () => undefined } }));
  app.use(authenticate(tessera, { dpop }));
  app.use(router.routes());
  return app;
}

describe.each(BACKENDS)('DPoP in the Koa middleware on $name Redis', (backend) => {
  let redis: Redis | Cluster;
  let tessera: SessionService;
  let app: Koa;
  let key: TestDpopKey;

  beforeAll(async () => {
    redis = await backend.connect();
    key = await newDpopKey();
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    tessera = createTessera(redis, { keyPrefix: uniquePrefix() });
    app = appWith(tessera);
  });

  async function boundToken(): Promise<string> {
    const login = await request(app.callback())
      .post('/login')
      .set('DPoP', await key.proof({ htm: 'POST', htu: `${ORIGIN}/login` }));
    expect(login.body.tokenType).toBe('DPoP');
    return login.body.token as string;
  }

  it('takes a bound token with a fresh proof by its key, and puts the key on the session', async () => {
    const token = await boundToken();
    const answer = await request(app.callback())
      .get('/private')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await key.proof({ htm: 'GET', htu: `${ORIGIN}/private`, token }));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ user: 'user-1', boundKey: key.jkt });
  });

  it('refuses the bound token as Bearer with the DPoP challenge, and tells public routes why', async () => {
    const token = await boundToken();
    const refused = await request(app.callback()).get('/private').set('Authorization', `Bearer ${token}`);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"');
    expect(refused.body.type).toBe('urn:tessera:problem:invalid-dpop-proof');
    const seen = await request(app.callback()).get('/public').set('Authorization', `Bearer ${token}`);
    expect(seen.body).toEqual({ user: null, failure: 'proof' });
    await expect(tessera.validate(token)).rejects.toBeInstanceOf(ProofRefusedError);
    expect(await tessera.validate(token, { anyBinding: true })).toMatchObject({ user: { id: 'user-1' } });
  });

  it('leaves logins without a proof as bearer sessions', async () => {
    const login = await request(app.callback()).post('/login');
    expect(login.body.tokenType).toBe('Bearer');
    const answer = await request(app.callback()).get('/private').set('Authorization', `Bearer ${login.body.token}`);
    expect(answer.body).toEqual({ user: 'user-1', boundKey: null });
  });
});
