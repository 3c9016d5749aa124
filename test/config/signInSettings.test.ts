import { loadConfig } from '../../src/config/env';
import { problemsOf } from '../support/configProblems';

describe('the settings of recent sign-in, impersonation and the new-device signal', () => {
  it('defaults to a 15-minute recent sign-in for admin writes, a 15-minute impersonation and 20 known devices', () => {
    expect(loadConfig({})).toMatchObject({ ADMIN_REAUTH_AFTER: 900, IMPERSONATION_TTL: 900, KNOWN_DEVICES_PER_USER: 20 });
  });

  it('takes 0 to turn the recent sign-in check off, and durations otherwise', () => {
    expect(loadConfig({ ADMIN_REAUTH_AFTER: '0' }).ADMIN_REAUTH_AFTER).toBe(0);
    expect(loadConfig({ ADMIN_REAUTH_AFTER: '5m', IMPERSONATION_TTL: '1h', KNOWN_DEVICES_PER_USER: '0' })).toMatchObject({
      ADMIN_REAUTH_AFTER: 300,
      IMPERSONATION_TTL: 3600,
      KNOWN_DEVICES_PER_USER: 0,
    });
  });

  it('names what to fix', () => {
    expect(problemsOf({ ADMIN_REAUTH_AFTER: 'soon' })).toEqual([expect.stringMatching(/^ADMIN_REAUTH_AFTER: must be seconds or a duration/)]);
    expect(problemsOf({ KNOWN_DEVICES_PER_USER: '5000' })).toEqual(['KNOWN_DEVICES_PER_USER: must be at most 1000']);
  });
});
