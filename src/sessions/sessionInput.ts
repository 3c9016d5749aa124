/** What the app hands the session service about a user and a login, checked and trimmed before it is stored. */
import { TesseraArgumentError } from '../errors';
import { SESSION_TEXT_FIELDS, type SessionTextName } from '../store/fields';
import { DEVICE_TYPE } from '../validation/rules';
import type { SessionMetadata } from './types';

const USER_ID = /^[^\s]{1,128}$/;
const MAX_DEVICE_NAME = 64;

export function assertUserId(userId: string): void {
  if (typeof userId !== 'string' || !USER_ID.test(userId)) {
    throw new TesseraArgumentError('A user id must be a string of 1-128 characters without white space.');
  }
}

export function cleanMetadata(metadata: SessionMetadata): SessionMetadata {
  const type = metadata.device?.type?.toLowerCase();
  if (type !== undefined && !DEVICE_TYPE.test(type)) {
    throw new TesseraArgumentError(`Device type ${JSON.stringify(type)} must match ${DEVICE_TYPE}.`);
  }
  const cleaned: SessionMetadata = {
    device: { type: type || undefined, name: metadata.device?.name?.slice(0, MAX_DEVICE_NAME) || undefined },
  };
  for (const [name, { maxLength }] of Object.entries(SESSION_TEXT_FIELDS)) {
    cleaned[name as SessionTextName] = metadata[name as SessionTextName]?.slice(0, maxLength) || undefined;
  }
  return cleaned;
}
