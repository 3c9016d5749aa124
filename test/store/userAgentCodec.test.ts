import { randomBytes } from 'node:crypto';
import { packUserAgent, unpackUserAgent } from '../../src/store/userAgentCodec';

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.6613.127 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Fedora; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.2792.79',
];

describe('the packed user agent', () => {
  it.each(BROWSERS)('packs a browser’s user agent under 64 characters and gives it back exactly: %s', (userAgent) => {
    const packed = packUserAgent(userAgent)!;
    expect(packed.length).toBeLessThanOrEqual(64);
    expect(unpackUserAgent(packed)).toBe(userAgent);
  });

  it('gives back text outside ASCII exactly', () => {
    const userAgent = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Ünïcødé/1.0';
    expect(unpackUserAgent(packUserAgent(userAgent)!)).toBe(userAgent);
  });

  it('leaves unpacked what does not pack small, or gains nothing', () => {
    expect(packUserAgent(`Bot/1.0 ${randomBytes(90).toString('base64url')}`)).toBeNull();
    expect(packUserAgent('xq/1')).toBeNull();
  });

  it('reads no user agent from a packed form of a version it does not know, or a damaged one', () => {
    expect(unpackUserAgent('9AAAA')).toBeNull();
    expect(unpackUserAgent(`${packUserAgent(BROWSERS[0]!)!.slice(0, 1)}not deflate`)).toBeNull();
  });
});
