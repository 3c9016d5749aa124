/**
 * A browser-shaped HTTP client for the server-rendered pages: keeps the session cookie like a
 * browser would, sends forms url-encoded, never follows redirects (tests look at them), and
 * reads the hidden form fields out of the HTML.
 */
import type { TestService } from './service';

export interface PageResponse {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
  /** Every Set-Cookie header of the answer. */
  setCookies: string[];
}

export class PageClient {
  constructor(
    readonly service: TestService,
    /** Headers a browser adds on its own (Origin, Sec-Fetch-Site); default: same-origin. */
    readonly browserHeaders: Record<string, string> = { origin: service.url, 'sec-fetch-site': 'same-origin' },
    /** Cookie name -> value, as a browser would keep them. */
    readonly cookies = new Map<string, string>(),
  ) {}

  /** The same browser (one cookie jar) reaching another instance of the service, as a load balancer would send it. */
  at(other: TestService): PageClient {
    return new PageClient(other, { origin: other.url, 'sec-fetch-site': 'same-origin' }, this.cookies);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<PageResponse> {
    return this.send('GET', path, undefined, headers);
  }

  post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<PageResponse> {
    return this.send('POST', path, new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  /** Logs in through the /login form; answers the redirect. */
  async logIn(username: string, password = 'correct horse battery', next?: string): Promise<PageResponse> {
    const page = await this.get(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
    const fields = hiddenFields(page.html);
    const answer = await this.post('/login', { ...fields, username, password });
    if (answer.status !== 303) throw new Error(`login form answered ${answer.status}: ${answer.html.slice(0, 500)}`);
    return answer;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async send(method: string, path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<PageResponse> {
    const all: Record<string, string> = { ...(method === 'GET' ? {} : this.browserHeaders), ...headers };
    if (this.cookies.size > 0) all.cookie = this.cookieHeader();
    const response = await fetch(this.service.url + path, { method, headers: all, body, redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      const maxAge = attributes.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith('max-age='));
      if (maxAge === 'max-age=0' || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, headers: response.headers, html: await response.text(), location: response.headers.get('location'), setCookies };
  }
}

/** The page's hidden inputs (the first of each name): `_csrf`, `_form`, `next`. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1]] ??= decodeEntities(match[2]);
  }
  return fields;
}

/** The hidden inputs of the form that posts to `action`. */
export function formFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posts to ${action}`);
  return hiddenFields(html.slice(start, html.indexOf('</form>', start)));
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
}
