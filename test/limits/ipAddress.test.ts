import { canonicalIp, ipBucket } from '../../src/limits/ipAddress';

describe('client addresses as the throttles count them', () => {
  it('spells every form of one IPv4 address, mapped into IPv6 or not, the same', () => {
    const spellings = ['203.0.113.7', '::ffff:203.0.113.7', '::FFFF:203.0.113.7', '0:0:0:0:0:ffff:cb00:7107', '::ffff:cb00:7107', '0000:0000::FFFF:CB00:7107'];
    expect(new Set(spellings.map(canonicalIp))).toEqual(new Set(['203.0.113.7']));
  });

  it('writes IPv6 lower-case and compressed, without a zone', () => {
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('fe80::1%eth0')).toBe('fe80::1');
  });

  it('answers null for anything that is not an IP address', () => {
    for (const text of ['not-an-ip', '', '203.0.113.7:8080', '[2001:db8::1]', '01.2.3.4', '2001:db8::1::2', ' 203.0.113.7']) {
      expect(canonicalIp(text)).toBeNull();
    }
  });

  it('counts IPv6 by its prefix and IPv4 by the address', () => {
    const bucket64 = (text: string) => ipBucket(canonicalIp(text)!, 64);
    expect(bucket64('2001:db8:5:6::1')).toBe('2001:db8:5:6::/64');
    expect(bucket64('2001:db8:5:6:ffff:ffff:ffff:ffff')).toBe('2001:db8:5:6::/64');
    expect(bucket64('2001:db8:5:7::1')).toBe('2001:db8:5:7::/64');
    expect(bucket64('203.0.113.7')).toBe('203.0.113.7');
    expect(ipBucket('2001:db8:5:ffff::1', 48)).toBe('2001:db8:5::/48');
    expect(ipBucket('2001:db8:5:6ab::1', 56)).toBe('2001:db8:5:600::/56');
    expect(ipBucket('2001:db8::1', 128)).toBe('2001:db8::1');
    expect(ipBucket('', 64)).toBe('');
  });
});
