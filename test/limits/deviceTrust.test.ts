import { BACKENDS } from '../support/backends';
import { formFields, hiddenFields, PageClient } from '../support/pageClient';
import type { TestService } from '../support/service';
import { useInstancePair, useService } from '../support/serviceFixture';

const PASSWORD = 'correct horse battery';

interface Login {
  status: number;
  token?: string;
  deviceToken?: string;
}

async function login(service: TestService, username: string, password: string, address: string, deviceToken?: string): Promise<Login> {
  const response = await service.call('POST', '/auth/login', {
    body: { username, password, ...(deviceToken === undefined ? {} : { deviceToken }) },
    headers: { 'x-forwarded-for': address },
  });
  const body = (await response.json()) as { token?: string; deviceToken?: string };
  return { status: response.status, token: body.token, deviceToken: body.deviceToken };
}

async function register(service: TestService, username: string): Promise<void> {
  const response = await service.call('POST', '/auth/register', { body: { username, password: PASSWORD }, headers: { 'x-forwarded-for': '192.0.2.250' } });
  expect(response.status).toBe(201);
}

/** What an attacker does: five wrong passwords from each of ten addresses, 50 in all, which locks the name. */
async function lockName(service: TestService, username: string, network: string): Promise<void> {
  for (let host = 0; host < 10; host++) {
    for (let i = 0; i < 5; i++) expect((await login(service, username, `guess ${host}-${i}`, `${network}.${host}`)).status).toBe(401);
  }
  // The lock holds for anyone the service does not know: the right password from a new address.
  expect((await login(service, username, PASSWORD, `${network}.200`)).status).toBe(429);
}

/** The device id inside a device token (its third part), to tell a renewed token from a new device. */
const deviceIdOf = (token: string) => token.split('.')[2];

describe.each(BACKENDS)('trusted devices on $name Redis', (backend) => {
  const suite = useInstancePair(backend, { TRUST_PROXY: 'on' });

  it('lets the owner in with the device token of an earlier login while an attack from many addresses locks the name', async () => {
    await register(suite.a, 'owner');
    const earlier = await login(suite.a, 'owner', PASSWORD, '198.51.100.60');
    expect(earlier.status).toBe(200);
    expect(earlier.deviceToken).toMatch(/^tdev1\./);

    await lockName(suite.b, 'owner', '10.9.0');

    // From an address the owner never used, on the other instance: only the device token lets them in.
    expect((await login(suite.a, 'owner', PASSWORD, '203.0.113.61')).status).toBe(429);
    const trusted = await login(suite.a, 'owner', PASSWORD, '203.0.113.62', earlier.deviceToken);
    expect(trusted.status).toBe(200);
    // Renewed, for the same device.
    expect(deviceIdOf(trusted.deviceToken!)).toBe(deviceIdOf(earlier.deviceToken!));
    // The attacker is still locked out.
    expect((await login(suite.b, 'owner', PASSWORD, '10.9.0.201')).status).toBe(429);
  });

  it('lets the owner in from an address they signed in from before, and no one else from a new one', async () => {
    await register(suite.a, 'homebody');
    expect((await login(suite.a, 'homebody', PASSWORD, '198.51.100.70')).status).toBe(200);
    await lockName(suite.b, 'homebody', '10.9.1');
    expect((await login(suite.b, 'homebody', PASSWORD, '198.51.100.70')).status).toBe(200);
    expect((await login(suite.b, 'homebody', PASSWORD, '198.51.100.71')).status).toBe(429);
  });

  it('takes no other user’s device token, and no forged or altered one, past the lock', async () => {
    await register(suite.a, 'locked-out');
    await register(suite.a, 'mallory');
    const mallorys = (await login(suite.a, 'mallory', PASSWORD, '198.51.100.80')).deviceToken!;
    const owners = (await login(suite.a, 'locked-out', PASSWORD, '198.51.100.81')).deviceToken!;
    await lockName(suite.b, 'locked-out', '10.9.2');

    const [prefix, userId, deviceId, expires, mac] = owners.split('.');
    const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    const presented = [
      mallorys,
      [prefix, userId, deviceId, expires, flipped].join('.'),
      // A later expiry, under the old signature.
      [prefix, userId, deviceId, (parseInt(expires, 36) + 86_400_000).toString(36), mac].join('.'),
      // Mallory's signed parts, with the owner's user id put in.
      [prefix, userId, ...mallorys.split('.').slice(2)].join('.'),
      'not a device token',
    ];
    for (const token of presented) expect((await login(suite.a, 'locked-out', PASSWORD, '203.0.113.82', token)).status).toBe(429);
    expect((await login(suite.a, 'locked-out', PASSWORD, '203.0.113.82', owners)).status).toBe(200);
  });

  it('gives a device token a budget of its own: ten wrong passwords lock that device alone', async () => {
    await register(suite.a, 'careless');
    const first = (await login(suite.a, 'careless', PASSWORD, '198.51.100.90')).deviceToken!;
    const second = (await login(suite.b, 'careless', PASSWORD, '198.51.100.91')).deviceToken!;
    expect(deviceIdOf(second)).not.toBe(deviceIdOf(first));
    for (let i = 0; i < 10; i++) expect((await login(i % 2 ? suite.a : suite.b, 'careless', `guess ${i}`, `10.9.3.${i}`, first)).status).toBe(401);
    expect((await login(suite.a, 'careless', PASSWORD, '10.9.3.100', first)).status).toBe(429);
    expect((await login(suite.b, 'careless', PASSWORD, '10.9.3.101', second)).status).toBe(200);
    // None of those failures counted against the name or the addresses.
    expect((await login(suite.a, 'careless', PASSWORD, '10.9.3.0')).status).toBe(200);
  });

  it('does not stop a signed-in owner’s password change while the name is locked, and counts wrong ones per session', async () => {
    await register(suite.a, 'changer');
    const signedIn = await login(suite.a, 'changer', PASSWORD, '198.51.100.95');
    const other = await login(suite.a, 'changer', PASSWORD, '198.51.100.95');
    await lockName(suite.b, 'changer', '10.9.4');
    const change = (token: string, currentPassword: string, newPassword = 'a much newer passphrase') =>
      suite.b.call('POST', '/auth/password', { token, body: { currentPassword, newPassword }, headers: { 'x-forwarded-for': '203.0.113.96' } });

    for (let i = 0; i < 5; i++) expect((await change(other.token!, `typo ${i}`)).status).toBe(401);
    expect((await change(other.token!, PASSWORD)).status).toBe(429);
    expect((await change(signedIn.token!, PASSWORD)).status).toBe(204);
    expect((await login(suite.a, 'changer', 'a much newer passphrase', '198.51.100.95')).status).toBe(200);
  });
});

describe.each(BACKENDS)('the device cookie of the pages on $name Redis', (backend) => {
  const suite = useService(backend, { COOKIE_TRANSPORT: 'on', COOKIE_SECURE: 'off', TRUST_PROXY: 'on' });

  /** Sends the log-in form from `address`; answers its status. */
  async function logInThroughForm(browser: PageClient, username: string, address: string): Promise<number> {
    const fields = hiddenFields((await browser.get('/login')).html);
    return (await browser.post('/login', { ...fields, username, password: PASSWORD }, { 'x-forwarded-for': address })).status;
  }

  it('keeps the device cookie after sign-out and lets that browser in while an attack locks the name', async () => {
    await register(suite.service, 'page-owner');
    const browser = new PageClient(suite.service);
    expect(await logInThroughForm(browser, 'page-owner', '198.51.100.100')).toBe(303);
    const cookie = browser.cookies.get('tessera-device');
    expect(cookie).toMatch(/^tdev1\./);
    expect((await browser.post('/logout', hiddenFields((await browser.get('/account')).html))).status).toBe(303);
    expect(browser.cookies.get('tessera-device')).toBe(cookie);

    await lockName(suite.service, 'page-owner', '10.9.5');

    expect(await logInThroughForm(new PageClient(suite.service), 'page-owner', '203.0.113.101')).toBe(429);
    expect(await logInThroughForm(browser, 'page-owner', '203.0.113.102')).toBe(303);
  });

  it('takes another user’s device cookie for none at all', async () => {
    await register(suite.service, 'page-target');
    await register(suite.service, 'page-other');
    const other = new PageClient(suite.service);
    expect(await logInThroughForm(other, 'page-other', '198.51.100.110')).toBe(303);
    await lockName(suite.service, 'page-target', '10.9.6');
    // A browser signed out, holding only the other user's device cookie.
    const browser = new PageClient(suite.service);
    browser.cookies.set('tessera-device', other.cookies.get('tessera-device')!);
    expect(await logInThroughForm(browser, 'page-target', '203.0.113.111')).toBe(429);
  });

  it('lets a signed-in owner change the password on /account while the name is locked', async () => {
    await register(suite.service, 'page-changer');
    const browser = new PageClient(suite.service);
    expect(await logInThroughForm(browser, 'page-changer', '198.51.100.120')).toBe(303);
    await lockName(suite.service, 'page-changer', '10.9.7');
    const fields = formFields((await browser.get('/account')).html, '/account/password');
    const changed = await browser.post(
      '/account/password',
      { ...fields, currentPassword: PASSWORD, newPassword: 'a much newer passphrase', newPasswordAgain: 'a much newer passphrase' },
      { 'x-forwarded-for': '203.0.113.121' },
    );
    expect(changed.status).toBe(303);
    expect(changed.location).toBe('/account?done=password-changed');
  });
});
