/**
 * Lifetimes per kind of login on real standalone Redis and a real Cluster: a rule's shorter idle
 * timeout and absolute lifetime hold for the session, in its key's own expiry and in refreshes,
 * while the global settings stay the ceiling.
 */
import type { TesseraOptions } from '../../src/options';
import { BACKENDS } from '../support/backends';
import { useSessionServices } from '../support/serviceFixture';
import { sessionKeyOf } from '../support/keys';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR = 3600;

describe.each(BACKENDS)('lifetimes per kind of login on $name Redis', (backend) => {
  const suite = useSessionServices(backend);
  const service = suite.service;
  const seconds = (from: Date, to: Date) => Math.round((to.getTime() - from.getTime()) / 1000);

  const rules: TesseraOptions = {
    idleTimeoutSeconds: 8 * HOUR,
    absoluteLifetimeSeconds: 30 * 24 * HOUR,
    lifetimes: {
      deviceTypes: { kiosk: { idleTimeoutSeconds: 300, absoluteLifetimeSeconds: HOUR } },
      unremembered: { absoluteLifetimeSeconds: 24 * HOUR },
      roles: { admin: { idleTimeoutSeconds: 900 } },
    },
  };

  it('gives each kind of login its own idle timeout and absolute lifetime, in its answer and its key’s expiry', async () => {
    const sessions = service(rules);
    const kiosk = await sessions.create('user-1', { device: { type: 'kiosk' } }, { remember: true });
    expect(seconds(kiosk.session.createdAt, kiosk.session.expiresAt)).toBe(300);
    expect(seconds(kiosk.session.createdAt, kiosk.session.absoluteExpiresAt)).toBe(HOUR);
    expect(await suite.redis.pttl(sessionKeyOf(suite.prefix, kiosk.session.id))).toBeLessThanOrEqual(300_000);

    const phone = await sessions.create('user-1', { device: { type: 'phone' } }, { remember: true });
    expect(seconds(phone.session.createdAt, phone.session.expiresAt)).toBe(8 * HOUR);
    expect(seconds(phone.session.createdAt, phone.session.absoluteExpiresAt)).toBe(30 * 24 * HOUR);

    const unremembered = await sessions.create('user-1', { device: { type: 'phone' } });
    expect(seconds(unremembered.session.createdAt, unremembered.session.absoluteExpiresAt)).toBe(24 * HOUR);

    // A token check reports the same bounds, and slides by the kind's idle timeout.
    const checked = await sessions.validate(kiosk.token);
    expect(seconds(checked!.session.createdAt, checked!.session.absoluteExpiresAt)).toBe(HOUR);
    expect(seconds(checked!.session.lastSeenAt, checked!.session.expiresAt)).toBe(300);
  });

  it('gives an admin’s login the admin rule, by the roles held at login', async () => {
    const sessions = service(rules);
    await sessions.setRoles('boss', ['admin']);
    const admin = await sessions.create('boss', {}, { remember: true });
    expect(seconds(admin.session.createdAt, admin.session.expiresAt)).toBe(900);
    const listed = (await sessions.list('boss')).sessions[0];
    expect(seconds(listed.lastSeenAt, listed.expiresAt)).toBe(900);
  });

  it('keeps the kind’s lifetimes in the sessions a refresh mints', async () => {
    const sessions = service(rules);
    const kiosk = await sessions.create('user-2', { device: { type: 'kiosk' } }, { remember: true });
    const refreshed = await sessions.refresh(kiosk.refresh!.token);
    expect(seconds(refreshed!.session.createdAt, refreshed!.session.expiresAt)).toBe(300);
    expect(seconds(refreshed!.session.createdAt, refreshed!.session.absoluteExpiresAt)).toBe(HOUR);
  });

  it('ends a session at its kind’s idle timeout while others of the user live on', async () => {
    const sessions = service({
      idleTimeoutSeconds: 10,
      absoluteLifetimeSeconds: 60,
      slideGranularityMs: 0,
      lifetimes: { deviceTypes: { kiosk: { idleTimeoutSeconds: 1 } } },
    });
    const kiosk = await sessions.create('user-3', { device: { type: 'kiosk' } });
    const desk = await sessions.create('user-3', { device: { type: 'desk' } });
    await sleep(1300);
    expect(await sessions.validate(kiosk.token)).toBeNull();
    expect(await sessions.validate(desk.token)).not.toBeNull();
  });

  it('keeps the global settings the ceiling: a later, shorter global timeout binds sessions of a longer kind', async () => {
    const kiosk = await service(rules).create('user-4', { device: { type: 'kiosk' } });
    const stricter = service({ idleTimeoutSeconds: 60, absoluteLifetimeSeconds: 120 });
    const checked = await stricter.validate(kiosk.token);
    expect(seconds(checked!.session.lastSeenAt, checked!.session.expiresAt)).toBe(60);
    expect(seconds(checked!.session.createdAt, checked!.session.absoluteExpiresAt)).toBe(120);
  });
});
