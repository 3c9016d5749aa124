import { formFields, hiddenFields, PageClient } from '../support/pageClient';
import { serviceOnPrivateRedis, untilReady } from '../support/privateRedis';
import { signUpAndLogIn } from '../support/service';

describe('pages and gateway endpoints when Redis fails', () => {
  const fixture = serviceOnPrivateRedis({ COOKIE_TRANSPORT: 'on', INTROSPECT_CREDENTIAL: 'x'.repeat(32) });

  it('answers a friendly 503 page to browsers and 503 problem+json to APIs, never a 500, and changes nothing', async () => {
    const { server, service } = fixture;
    const { token } = await signUpAndLogIn(service, 'stormy');
    const browser = new PageClient(service);
    await browser.logIn('stormy');
    const loginForm = hiddenFields((await new PageClient(service).get('/login')).html);
    const accountForm = formFields((await browser.get('/account')).html, '/account/sign-out-others');
    await server.stop();

    for (const answer of [
      await browser.get('/account'),
      await browser.get('/admin'),
      await new PageClient(service).post('/login', { ...loginForm, username: 'stormy', password: 'correct horse battery' }),
      await browser.post('/account/sign-out-others', accountForm),
    ]) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(answer.html).toContain('Temporarily unavailable');
      expect(answer.html).toContain('nothing was changed');
    }
    for (const answer of [
      await service.call('GET', '/auth/verify', { token }),
      await service.call('POST', '/auth/introspect', { body: { token }, headers: { authorization: `Bearer ${'x'.repeat(32)}` } }),
    ]) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
    }

    await server.restart();
    await untilReady(service);
    // The cookie survived the outage, and the form sent during it can be sent again.
    const again = await browser.post('/account/sign-out-others', accountForm);
    expect(again.status).toBe(303);
    expect(again.location).toBe('/account?done=others-signed-out');
  });
});
