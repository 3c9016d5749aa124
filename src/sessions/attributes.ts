/**
 * Session attributes: small JSON values an app keeps on a session, named and sized within the
 * configured limits before any Redis work.
 */
import { AttributeRejectedError, TesseraArgumentError } from '../errors';
import type { SessionStore } from '../store/sessionStore';
import { parseSessionId } from '../tokens/sessionId';

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Sets a session attribute within the configured limits; answers the JSON already there when onlyIfAbsent found one. */
export async function writeAttribute(store: SessionStore, sessionId: string, name: string, value: unknown, onlyIfAbsent: boolean): Promise<string | undefined> {
  const parts = parseSessionId(sessionId);
  if (!parts) throw new TesseraArgumentError('Not a session id.');
  if (!ATTRIBUTE_NAME.test(name)) {
    throw new TesseraArgumentError(`Attribute name ${JSON.stringify(name)} must match ${ATTRIBUTE_NAME}.`);
  }
  const json = JSON.stringify(value);
  if (json === undefined) throw new TesseraArgumentError('An attribute value must be JSON-serialisable.');
  const bytes = Buffer.byteLength(json);
  if (bytes > store.options.maxAttributeBytes) {
    throw new AttributeRejectedError(`Attribute "${name}" is ${bytes} bytes as JSON; the limit is ${store.options.maxAttributeBytes}.`);
  }
  const result = await store.setAttribute(parts.tag, parts.localId, name, json, onlyIfAbsent);
  if (result === -1) {
    throw new AttributeRejectedError(`A session carries at most ${store.options.maxAttributes} attributes.`);
  }
  return typeof result === 'string' ? result : undefined;
}

export async function deleteAttribute(store: SessionStore, sessionId: string, name: string): Promise<void> {
  const parts = parseSessionId(sessionId);
  if (parts) await store.deleteAttribute(parts.tag, parts.localId, name);
}
