import { loadConfig } from '../../src/config/env';
import { TesseraArgumentError } from '../../src/errors';
import { lifetimeOf } from '../../src/lifetimeRules';
import { resolveTesseraOptions } from '../../src/options';
import { sessionOptionsFrom } from '../../src/server/core';
import { problemsOf } from '../support/configProblems';

const HOUR = 3600;
const DAY = 24 * HOUR;

describe('lifetimes per kind of login', () => {
  const options = resolveTesseraOptions({
    idleTimeoutSeconds: 8 * HOUR,
    absoluteLifetimeSeconds: 30 * DAY,
    lifetimes: {
      deviceTypes: { kiosk: { idleTimeoutSeconds: 300, absoluteLifetimeSeconds: HOUR } },
      unremembered: { absoluteLifetimeSeconds: DAY },
      roles: { admin: { idleTimeoutSeconds: 900, absoluteLifetimeSeconds: 8 * HOUR } },
    },
  });
  const ceiling = { idleTimeoutSeconds: options.idleTimeoutSeconds, absoluteLifetimeSeconds: options.absoluteLifetimeSeconds };
  const of = (deviceType: string | null, remembered: boolean, roles: string[] = []) =>
    lifetimeOf(options.lifetimes, ceiling, { deviceType, remembered, roles });

  it('gives a login the shortest bound of every rule that matches it, the global one at most', () => {
    expect(of(null, true)).toEqual({ idleTimeoutSeconds: 8 * HOUR, absoluteLifetimeSeconds: 30 * DAY });
    expect(of(null, false)).toEqual({ idleTimeoutSeconds: 8 * HOUR, absoluteLifetimeSeconds: DAY });
    expect(of('kiosk', true)).toEqual({ idleTimeoutSeconds: 300, absoluteLifetimeSeconds: HOUR });
    expect(of('phone', true, ['admin'])).toEqual({ idleTimeoutSeconds: 900, absoluteLifetimeSeconds: 8 * HOUR });
    expect(of('kiosk', false, ['admin'])).toEqual({ idleTimeoutSeconds: 300, absoluteLifetimeSeconds: HOUR });
  });

  it('bounds the idle timeout by a shorter absolute lifetime of another rule', () => {
    const short = resolveTesseraOptions({ lifetimes: { remembered: { absoluteLifetimeSeconds: 600 } } });
    expect(lifetimeOf(short.lifetimes, short, { deviceType: null, remembered: true, roles: [] })).toEqual({
      idleTimeoutSeconds: 600,
      absoluteLifetimeSeconds: 600,
    });
  });

  it('refuses a rule longer than the global setting, which is the ceiling', () => {
    expect(() => resolveTesseraOptions({ lifetimes: { remembered: { idleTimeoutSeconds: 2 * HOUR } } })).toThrow(
      new TesseraArgumentError(
        'lifetimes.remembered.idleTimeoutSeconds (7200) must not exceed idleTimeoutSeconds (1800): the global setting is the ceiling of every rule.',
      ),
    );
  });

  it('names a misspelt rule or bound, with the likely fix', () => {
    expect(() => resolveTesseraOptions({ lifetimes: { remebered: {} } as never })).toThrow('Unknown option "lifetimes.remebered"; did you mean "remembered"?');
    expect(() => resolveTesseraOptions({ lifetimes: { roles: { admin: { idleTimeout: 60 } } } as never })).toThrow(
      'Unknown option "lifetimes.roles.admin.idleTimeout"; did you mean "idleTimeoutSeconds"?',
    );
    expect(() => resolveTesseraOptions({ lifetimes: { deviceTypes: { Kiosk: {} } } })).toThrow(/"Kiosk" is not a device type/);
    expect(() => resolveTesseraOptions({ lifetimes: { unremembered: { absoluteLifetimeSeconds: 0 } } })).toThrow(/must be a positive number of seconds; got 0/);
  });

  it('reads SESSION_LIFETIMES from the environment into the same rules', () => {
    const config = loadConfig({
      SESSION_IDLE_TIMEOUT: '8h',
      SESSION_ABSOLUTE_TIMEOUT: '30d',
      SESSION_LIFETIMES: 'device:kiosk=5m/1h, unremembered=-/1d, admin=15m/8h, role:support=1h/-',
    });
    expect(resolveTesseraOptions(sessionOptionsFrom(config)).lifetimes).toEqual({
      deviceTypes: { kiosk: { idleTimeoutSeconds: 300, absoluteLifetimeSeconds: HOUR } },
      remembered: {},
      unremembered: { absoluteLifetimeSeconds: DAY },
      roles: { admin: { idleTimeoutSeconds: 900, absoluteLifetimeSeconds: 8 * HOUR }, support: { idleTimeoutSeconds: HOUR } },
    });
  });

  it('says what to fix in SESSION_LIFETIMES, a misspelt kind with the likely one', () => {
    expect(problemsOf({ SESSION_LIFETIMES: 'remebered=1m/1h' })).toEqual(['SESSION_LIFETIMES: unknown kind "remebered"; did you mean "remembered"?']);
    expect(problemsOf({ SESSION_LIFETIMES: 'devices:kiosk=1m/1h' })).toEqual(['SESSION_LIFETIMES: unknown kind "devices:kiosk"; did you mean "device:kiosk"?']);
    expect(problemsOf({ SESSION_LIFETIMES: 'admin=15 minutes/8h' })).toEqual([
      'SESSION_LIFETIMES: "admin=15 minutes/8h": "15 minutes" is not a duration like 30m or 7d (or "-")',
    ]);
    expect(problemsOf({ SESSION_LIFETIMES: 'admin' })).toEqual([expect.stringMatching(/^SESSION_LIFETIMES: "admin" is not kind=idle\/absolute/)]);
    expect(problemsOf({ SESSION_LIFETIMES: 'remembered=1h/-' })).toEqual([
      'SESSION_LIFETIMES: remembered: its idle timeout must not be longer than SESSION_IDLE_TIMEOUT (1800s), the ceiling of every kind',
    ]);
  });
});
