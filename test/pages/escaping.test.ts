import { accountPage } from '../../src/pages/accountPage';
import { adminPage } from '../../src/pages/adminPage';
import { escapeHtml, html } from '../../src/pages/html';
import { loginPage, registerPage } from '../../src/pages/loginPage';
import { alreadyDonePage, messagePage } from '../../src/pages/messagePages';
import { loginPathFor, safeNextPath } from '../../src/pages/redirects';

/** Markup, an attribute breakout and a script at once, marked with the field it was typed into. */
const evil = (field: string) => `"><script>alert('${field}')</script><img src=x onerror=alert(1)>`;
const escaped = (field: string) => `&quot;&gt;&lt;script&gt;alert(&#39;${field}&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;`;

/** Nothing typed reaches the page as markup, and every field named shows up, escaped. */
function expectEscaped(page: string, fields: string[]): void {
  expect(page).not.toContain('<script>');
  expect(page).not.toContain('<img');
  const missing = fields.filter((field) => !page.includes(escaped(field)));
  expect(missing).toEqual([]);
}

const when = new Date('2030-01-02T03:04:05Z');
const evilUser = (who: string) => ({ id: evil(`${who}.id`), name: evil(`${who}.name`), roles: ['admin', evil(`${who}.role`)] });
const evilSession = (which: string, device: { type: string | null; name: string | null } = { type: null, name: evil(`${which}.device.name`) }) => ({
  id: evil(`${which}.id`),
  userId: evil(`${which}.userId`),
  createdAt: when,
  lastSeenAt: when,
  expiresAt: when,
  absoluteExpiresAt: when,
  device,
  ip: evil(`${which}.ip`),
  userAgent: evil(`${which}.userAgent`),
  rememberedUntil: when,
  boundKey: evil(`${which}.boundKey`),
  deviceBoundUntil: when,
  authenticatedAt: when,
  actor: null,
});

describe('the html tag', () => {
  it('escapes every interpolated string and keeps markup built by itself', () => {
    const EVIL = evil('x');
    const ESCAPED = escaped('x');
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
        formToken: evil('formToken'),
        next: evil('next'),
        username: evil('username'),
        error: evil('error'),
        notice: evil('notice'),
        fieldErrors: { username: evil('fieldErrors.username'), password: evil('fieldErrors.password') },
        signupEnabled: true,
        csrf: evil('csrf'),
      });
      expectEscaped(rendered, ['formToken', 'next', 'username', 'error', 'notice', 'fieldErrors.username', 'fieldErrors.password', 'csrf']);
    }
  });

  it('the account page: username, device, ip, user agent, roles, errors', () => {
    const rendered = accountPage({
      user: evilUser('user'),
      sessions: [
        { ...evilSession('this'), current: true },
        { ...evilSession('other', { type: evil('other.device.type'), name: null }), current: false },
      ],
      csrf: evil('csrf'),
      signForm: () => evil('formToken'),
      notice: evil('notice'),
      passwordError: evil('passwordError'),
      passwordFieldErrors: { currentPassword: evil('currentPassword'), newPassword: evil('newPassword'), newPasswordAgain: evil('newPasswordAgain') },
    });
    expectEscaped(rendered, [
      'user.name',
      'user.role',
      'this.id',
      'this.device.name',
      'this.ip',
      'this.userAgent',
      'other.id',
      'other.device.type',
      'other.ip',
      'other.userAgent',
      'csrf',
      'formToken',
      'notice',
      'passwordError',
      'currentPassword',
      'newPassword',
      'newPasswordAgain',
    ]);
  });

  it('the admin page: search, results, the user, sessions, ban draft, audit entries', () => {
    const rendered = adminPage({
      user: evilUser('admin'),
      csrf: evil('csrf'),
      signForm: () => evil('formToken'),
      query: evil('query'),
      queryError: evil('queryError'),
      results: [{ id: evil('result.id'), username: evil('result.username'), roles: [evil('result.role')], createdAt: when }],
      selected: {
        overview: { id: evil('selected.id'), username: evil('selected.username'), roles: [evil('selected.role')], createdAt: when, ban: null, sessionCount: 1 },
        sessions: [evilSession('session')],
      },
      audit: [
        {
          id: '1-0',
          time: when,
          type: 'user.banned',
          actor: { id: evil('audit.actor.id'), name: evil('audit.actor.name') },
          impersonated: { id: evil('audit.impersonated.id'), name: evil('audit.impersonated.name') },
          target: evil('audit.target'),
          ip: evil('audit.ip'),
          outcome: 'success',
          detail: evil('audit.detail'),
        },
      ],
      notice: evil('notice'),
      banDraft: { reason: evil('banDraft.reason'), until: evil('banDraft.until') },
      banError: evil('banError'),
      banFieldErrors: { reason: evil('banFieldErrors.reason'), until: evil('banFieldErrors.until') },
    });
    expectEscaped(rendered, [
      'admin.name',
      'csrf',
      'formToken',
      'query',
      'queryError',
      'result.username',
      'result.role',
      'selected.id',
      'selected.username',
      'selected.role',
      'session.id',
      'session.device.name',
      'session.ip',
      'session.userAgent',
      'audit.actor.name',
      'audit.impersonated.name',
      'audit.target',
      'audit.ip',
      'audit.detail',
      'notice',
      'banDraft.reason',
      'banDraft.until',
      'banError',
      'banFieldErrors.reason',
      'banFieldErrors.until',
    ]);
    // A result's id travels only in its link, URL-encoded.
    expect(rendered).toContain(`/admin?user=${escapeHtml(encodeURIComponent(evil('result.id')))}`);
    const banned = adminPage({
      user: evilUser('admin'),
      csrf: 'c',
      signForm: () => 'f',
      query: '',
      results: [],
      selected: {
        overview: { id: evil('selected.id'), username: evil('selected.username'), roles: [], createdAt: when, ban: { until: null }, sessionCount: 0 },
        sessions: [],
      },
      audit: [],
    });
    expectEscaped(banned, ['admin.name', 'selected.id', 'selected.username']);
  });

  it('the message pages', () => {
    expectEscaped(alreadyDonePage(evil('back'), { user: evilUser('user'), csrf: evil('csrf') }), ['back', 'user.name', 'csrf']);
    expectEscaped(messagePage(evil('title'), evil('message'), { href: evil('href'), label: evil('label') }), ['title', 'message', 'href', 'label']);
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
