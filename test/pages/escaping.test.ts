import { accountPage } from '../../src/pages/accountPage';
import { adminPage } from '../../src/pages/adminPage';
import { escapeHtml, html } from '../../src/pages/html';
import { loginPage, registerPage } from '../../src/pages/loginPage';
import { alreadyDonePage, messagePage } from '../../src/pages/messagePages';
import { loginPathFor, safeNextPath } from '../../src/pages/redirects';

/** A string that is markup, an attribute breakout and a script at once. */
const EVIL = `"><script>alert('x')</script><img src=x onerror=alert(1)>`;
const ESCAPED = '&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;';

function expectEscaped(page: string, occurrences = 1): void {
  expect(page).not.toContain('<script>');
  expect(page).not.toContain('<img');
  expect(page.split(ESCAPED).length - 1).toBeGreaterThanOrEqual(occurrences);
}

const when = new Date('2030-01-02T03:04:05Z');
const evilUser = { id: EVIL, name: EVIL, roles: ['admin', EVIL] };
const evilSession = {
  id: EVIL,
  userId: EVIL,
  createdAt: when,
  lastSeenAt: when,
  expiresAt: when,
  absoluteExpiresAt: when,
  device: { type: EVIL, name: EVIL },
  ip: EVIL,
  userAgent: EVIL,
  rememberedUntil: when,
};

describe('the html tag', () => {
  it('escapes every interpolated string and keeps markup built by itself', () => {
    expect(html`<p title="${EVIL}">${EVIL}</p>`.text).toBe(`<p title="${ESCAPED}">${ESCAPED}</p>`);
    expect(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`.text).toBe('<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.text).toBe('0');
    expect(escapeHtml('`&')).toBe('&#96;&amp;');
  });
});

describe('every page escapes what users typed', () => {
  it('the login and register forms: username, errors, next', () => {
    for (const page of [loginPage, registerPage]) {
      const rendered = page({
        formToken: EVIL,
        next: EVIL,
        username: EVIL,
        error: EVIL,
        notice: EVIL,
        fieldErrors: { username: EVIL, password: EVIL },
        signupEnabled: true,
        csrf: EVIL,
      });
      expectEscaped(rendered, 6);
    }
  });

  it('the account page: username, device, ip, user agent, roles, errors', () => {
    const rendered = accountPage({
      user: evilUser,
      sessions: [{ ...evilSession, current: true }, { ...evilSession, current: false }],
      csrf: EVIL,
      formToken: EVIL,
      notice: EVIL,
      passwordError: EVIL,
      passwordFieldErrors: { currentPassword: EVIL, newPassword: EVIL, newPasswordAgain: EVIL },
    });
    expectEscaped(rendered, 12);
  });

  it('the admin page: search, results, the user, sessions, ban draft, audit entries', () => {
    const rendered = adminPage({
      user: evilUser,
      csrf: EVIL,
      formToken: EVIL,
      query: EVIL,
      queryError: EVIL,
      results: [{ id: EVIL, username: EVIL, roles: [EVIL], createdAt: when }],
      selected: { overview: { id: EVIL, username: EVIL, roles: [EVIL], createdAt: when, ban: null, sessionCount: 1 }, sessions: [evilSession] },
      audit: [{ id: '1-0', time: when, type: 'user.banned', actor: { id: EVIL, name: EVIL }, target: EVIL, ip: EVIL, outcome: 'success', detail: EVIL }],
      notice: EVIL,
      banDraft: { reason: EVIL, until: EVIL },
      banError: EVIL,
      banFieldErrors: { reason: EVIL, until: EVIL },
    });
    expectEscaped(rendered, 15);
    const banned = adminPage({
      user: evilUser,
      csrf: 'c',
      formToken: 'f',
      query: '',
      results: [],
      selected: { overview: { id: EVIL, username: EVIL, roles: [], createdAt: when, ban: { until: null }, sessionCount: 0 }, sessions: [] },
      audit: [],
    });
    expectEscaped(banned, 2);
  });

  it('the message pages', () => {
    expectEscaped(alreadyDonePage(EVIL, { user: evilUser, csrf: EVIL }), 3);
    expectEscaped(messagePage(EVIL, EVIL, { href: EVIL, label: EVIL }), 4);
  });
});

describe('no redirect leaves the origin', () => {
  it.each([
    'https://evil.example/',
    'http://evil.example',
    '//evil.example',
    '///evil.example',
    '/..//evil.example',
    '/.//evil.example',
    '/%2e%2e//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'javascript:alert(1)',
    'data:text/html,x',
    ' /account',
    'account',
    '',
    '/login?next=%2F%2Fevil.example',
    '/logout',
  ])('refuses %j and falls back to /account', (next) => {
    expect(safeNextPath(next)).toBe('/account');
  });

  it('refuses what is not a string', () => {
    expect(safeNextPath(['/admin'])).toBe('/account');
    expect(safeNextPath(undefined)).toBe('/account');
  });

  it('keeps same-origin paths with their query, normalised', () => {
    expect(safeNextPath('/admin?user=abc&q=x')).toBe('/admin?user=abc&q=x');
    expect(safeNextPath('/account#devices')).toBe('/account');
    expect(safeNextPath('/a/../admin')).toBe('/admin');
    expect(safeNextPath('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
  });

  it('builds login links that carry only a safe path', () => {
    expect(loginPathFor('/admin?user=1')).toBe('/login?next=%2Fadmin%3Fuser%3D1');
    expect(loginPathFor('//evil.example')).toBe('/login');
  });
});
