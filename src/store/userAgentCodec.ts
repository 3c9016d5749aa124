/**
 * The compact stored form of a user agent: raw DEFLATE (RFC 1951) primed with a dictionary of
 * common browser user agents, in base64url, after a version letter. A browser's ~110-character
 * user agent packs into ~25 characters, under Redis's default hash-max-listpack-value (64 bytes),
 * so it stays in its session hash, which stays a compact listpack, and needs no key of its own.
 * Unpacking gives back the exact text. A user agent that does not pack that small is kept the
 * other way (writers.lua's writeSession: once per user and agent, under a key of its own).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * The text DEFLATE finds its matches in. Packed values depend on it byte for byte: never edit it;
 * a better one is a new VERSION beside this one.
 */
const DICTIONARY = Buffer.from(
  [
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html) curl/8.5.0 okhttp/4.12.0 Dalvik/2.1.0 (Linux; U; Android 14;',
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:134.0) Gecko/20100101 Firefox/134.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:134.0) Gecko/20100101 Firefox/134.0',
    'Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.103 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15',
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/116.0.0.0',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  ].join(' '),
);
const VERSION = '1';
/** Redis's default hash-max-listpack-value: a longer value would turn the session hash into a hashtable. */
const MAX_PACKED_LENGTH = 64;
/** Unpacked texts kept, so reading the same few browsers' user agents costs no inflating; cleared when full. */
const CACHE_SIZE = 1000;

const unpacked = new Map<string, string>();

/** The packed form of a user agent, or null when it is not shorter than both the text and MAX_PACKED_LENGTH. */
export function packUserAgent(text: string): string | null {
  const packed = VERSION + deflateRawSync(text, { dictionary: DICTIONARY, level: 9 }).toString('base64url');
  if (packed.length > MAX_PACKED_LENGTH || packed.length >= text.length) return null;
  // Text that UTF-8 cannot carry (a lone surrogate) would not come back the same: kept as it is.
  return unpackUserAgent(packed) === text ? packed : null;
}

/**
 * The exact user agent a packed form holds; null for one this Tessera cannot read (a version from
 * a later release, or a damaged value): a session is not refused for its user agent.
 */
export function unpackUserAgent(packed: string): string | null {
  let text = unpacked.get(packed);
  if (text === undefined) {
    if (packed[0] !== VERSION) return null;
    try {
      text = inflateRawSync(Buffer.from(packed.slice(1), 'base64url'), { dictionary: DICTIONARY }).toString('utf8');
    } catch {
      return null;
    }
    if (unpacked.size >= CACHE_SIZE) unpacked.clear();
    unpacked.set(packed, text);
  }
  return text;
}
