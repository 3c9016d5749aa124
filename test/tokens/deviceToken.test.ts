import { randomBytes } from 'node:crypto';
import { DeviceTokens } from '../../src/tokens/deviceToken';
import { SignedOutFormTokens } from '../../src/tokens/signedOutFormToken';

describe('device tokens', () => {
  const key = randomBytes(32);
  let now = 1_800_000_000_000;
  const devices = new DeviceTokens(
    async () => key,
    60_000,
    () => now,
  );

  it('name their user and device until they expire, and keep a device id when renewed', async () => {
    const { token, expiresAt } = await devices.issue('User1234');
    expect(expiresAt.getTime()).toBe(now + 60_000);
    const read = await devices.read(token);
    expect(read).toEqual({ userId: 'User1234', deviceId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    expect(await devices.read((await devices.issue('User1234', read!.deviceId)).token)).toEqual(read);
    now += 59_999;
    expect(await devices.read(token)).toEqual(read);
    now += 1;
    expect(await devices.read(token)).toBeNull();
  });

  it('are refused altered in any part, under another key, or absent', async () => {
    const { token } = await devices.issue('User1234');
    const [prefix, user, device, expires, mac] = token.split('.');
    const later = (parseInt(expires, 36) + 3_600_000).toString(36);
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [
      [prefix, 'User1235', device, expires, mac],
      [prefix, user, `${device.slice(0, -1)}${device.endsWith('A') ? 'B' : 'A'}`, expires, mac],
      [prefix, user, device, later, mac],
      [prefix, user, device, expires, flipped],
      ['tdev2', user, device, expires, mac],
    ]) {
      expect(await devices.read(forged.join('.'))).toBeNull();
    }
    for (const junk of [undefined, '', 'x', `${token}x`, token.replace(/\./g, ':')]) expect(await devices.read(junk)).toBeNull();
    expect(
      await new DeviceTokens(
        async () => randomBytes(32),
        60_000,
        () => now,
      ).read(token),
    ).toBeNull();
  });

  it('cannot pass for a signed-out form token under the same key, nor one for them', async () => {
    const forms = new SignedOutFormTokens(
      async () => key,
      60_000,
      () => now,
    );
    const { token } = await devices.issue('User1234');
    const [, , , expires, mac] = token.split('.');
    expect(await forms.check(`${expires}.${mac}`, '/login')).toBe(false);
    const form = await forms.issue('/login');
    const [formExpires, formMac] = form.split('.');
    expect(await devices.read(`tdev1.User1234.${'A'.repeat(22)}.${formExpires}.${formMac}`)).toBeNull();
  });
});
