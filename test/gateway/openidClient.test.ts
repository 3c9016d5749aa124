import * as client from 'openid-client';
import { BACKENDS } from '../support/backends';
import { signUpAndLogIn } from '../support/service';
import { useService } from '../support/serviceFixture';

// "+" and "/" are the characters RFC 6749 §2.3.1's form encoding changes before Basic encoding.
const SECRET = 'reports+api/introspection-secret-0123456789';

// A client id may be any visible ASCII: a ":" is form-encoded before the Basic header joins id and secret.
describe.each(['reports-api', 'rs:orders'])('POST /auth/introspect driven by openid-client, the standard OAuth client for Node, as client %s', (CLIENT_ID) => {
  const suite = useService(BACKENDS[0], { INTROSPECT_CLIENT_ID: CLIENT_ID, INTROSPECT_CREDENTIAL: SECRET });

  /** A client configured by hand, as discovery (/.well-known) is not served; plain http is allowed for loopback only. */
  function configuration(authentication: client.ClientAuth, clientId = CLIENT_ID): client.Configuration {
    const config = new client.Configuration(
      { issuer: suite.service.url, introspection_endpoint: `${suite.service.url}/auth/introspect` },
      clientId,
      undefined,
      authentication,
    );
    client.allowInsecureRequests(config);
    return config;
  }

  for (const [method, authentication] of [
    ['client_secret_basic', client.ClientSecretBasic],
    ['client_secret_post', client.ClientSecretPost],
  ] as const) {
    describe(`with ${method}`, () => {
      it('sees a live token as active and a revoked one as inactive', async () => {
        await suite.service.accounts.createAccount(`oidc-${method}`, 'correct horse battery', ['editor']);
        const { token, body } = await signUpAndLogIn(suite.service, `oidc-${method}`);
        const config = configuration(authentication(SECRET));

        const live = await client.tokenIntrospection(config, token);
        expect(live).toMatchObject({ active: true, sub: body.user.id, username: `oidc-${method}`, scope: 'editor', sid: body.session.id });

        expect((await suite.service.call('POST', '/auth/logout', { token })).status).toBe(204);
        const revoked = await client.tokenIntrospection(config, token);
        expect(revoked).toEqual({ active: false });
      });

      it('is refused with invalid_client for a wrong secret or client id', async () => {
        const { token } = await signUpAndLogIn(suite.service, `oidc-refused-${method}`);
        for (const config of [
          configuration(authentication(`${SECRET}x`)),
          configuration(authentication(SECRET), 'other-client'),
          configuration(authentication(SECRET), `${CLIENT_ID}:x`),
        ]) {
          const refusal = await client.tokenIntrospection(config, token).then(
            () => null,
            (error: unknown) => error,
          );
          // The 401's challenge comes first in openid-client's reading; the body is RFC 6749's.
          expect(refusal).toBeInstanceOf(client.WWWAuthenticateChallengeError);
          const challenge = refusal as client.WWWAuthenticateChallengeError;
          expect(challenge.status).toBe(401);
          expect(challenge.cause).toEqual([{ scheme: 'basic', parameters: { realm: 'tessera-introspection', charset: 'UTF-8' } }]);
          expect(await challenge.response.json()).toEqual({ error: 'invalid_client' });
        }
      });
    });
  }

  it('omits scope for a user without roles', async () => {
    const { token } = await signUpAndLogIn(suite.service, 'oidc-no-roles');
    const answer = await client.tokenIntrospection(configuration(client.ClientSecretBasic(SECRET)), token);
    expect(answer.active).toBe(true);
    expect(answer).not.toHaveProperty('scope');
    expect(answer.roles).toEqual([]);
  });
});
