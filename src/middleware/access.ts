/**
 * Who may reach a route, marked on the guard that enforces it. The service's routers refuse a route
 * whose chain does not start with a marked guard (deny by default), and its tests read the marks
 * to walk every route in every spelling of its path.
 */
import type { Middleware } from 'koa';

export type Access =
  | { readonly kind: 'public' }
  | { readonly kind: 'signed-in' }
  | { readonly kind: 'role'; readonly role: string }
  /** The introspection client's credentials, or an admin session. */
  | { readonly kind: 'client' };

const ACCESS = Symbol('tessera.access');

/** Marks `guard` as the enforcement of `access`; returns it. */
// biome-ignore lint/suspicious/noExplicitAny: a guard of any state its route declares.
export function guardOf<M extends Middleware<any>>(access: Access, guard: M): M {
  Object.defineProperty(guard, ACCESS, { value: Object.freeze({ ...access }) });
  return guard;
}

/** The access a guard enforces, or undefined for a middleware that is not a guard. */
export function accessOf(middleware: unknown): Access | undefined {
  return typeof middleware === 'function' ? (middleware as { [ACCESS]?: Access })[ACCESS] : undefined;
}

/** Names a route that anyone may call: the first middleware of its chain, so the choice is written where the route is. */
export function publicRoute(): Middleware {
  return guardOf({ kind: 'public' }, async function publicRoute(_ctx, next) {
    await next();
  });
}
