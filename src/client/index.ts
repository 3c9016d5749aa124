/**
 * The Tessera client SDK (`tessera-sessions/client`): zero dependencies, for browsers and Node 20+
 * through fetch. See docs/client.md.
 * @module tessera-sessions/client
 */
export { createTesseraClient, type TesseraClient } from './client.js';
export { memoryStorage, webStorage, type WebStorageLike } from './storage.js';
export { RefreshFailedError, RequestFailedError, SessionEndedError, TesseraClientError } from './errors.js';
export type {
  ExpiringNotice,
  LoginInput,
  ReauthenticationChallenge,
  SessionEndedReason,
  SessionInfo,
  SignedIn,
  StoredPair,
  TesseraClientOptions,
  TokenStorage,
  UserInfo,
} from './types.js';
