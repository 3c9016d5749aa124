/**
 * Client addresses as the throttles count them. One host can spell its address many ways (an
 * IPv4 address mapped into IPv6, upper-case hex, zeros written out), and one IPv6 customer
 * usually holds a whole /64 or more: counted as raw strings, each spelling and each address of
 * the prefix would get a fresh budget.
 */
import { isIP, SocketAddress } from 'node:net';

const MAPPED_IPV4 = '::ffff:';

/** IPv6 spellings already settled: every request asks, and a SocketAddress costs microseconds. Cleared when full. */
const settledIpv6 = new Map<string, string>();
const SETTLED_IPV6_LIMIT = 4096;
/** The longest IPv6 text without a zone (INET6_ADDRSTRLEN less its NUL); a longer one (a zone can be any length) is not kept. */
const SETTLED_IPV6_MAX_CHARS = 45;

/**
 * The one spelling of an address: IPv4 dotted, IPv6 lower-case and compressed (RFC 5952, as
 * node writes it), an IPv4-mapped IPv6 address as its IPv4 address, no zone. Null when the text
 * is not an IP address.
 */
export function canonicalIp(text: string): string | null {
  const family = isIP(text);
  // isIP takes IPv4 only in its one spelling (no leading zeros, no short forms).
  if (family === 4) return text;
  if (family === 0) return null;
  // What node reports for an IPv4 client of a dual-stack listener.
  if (text.startsWith(MAPPED_IPV4) && isIP(text.slice(MAPPED_IPV4.length)) === 4) return text.slice(MAPPED_IPV4.length);
  let address = settledIpv6.get(text);
  if (address === undefined) {
    const parsed = ipv6Address(text);
    if (parsed === null) return null;
    address = unmapped(parsed);
    if (settledIpv6.size >= SETTLED_IPV6_LIMIT) settledIpv6.clear();
    if (text.length <= SETTLED_IPV6_MAX_CHARS) settledIpv6.set(text, address);
  }
  return address;
}

/** Node's own spelling of an IPv6 address; null should it refuse what isIP took (a request must not fail on it). */
function ipv6Address(text: string): string | null {
  try {
    return new SocketAddress({ address: text, family: 'ipv6' }).address;
  } catch {
    return null;
  }
}

/** An IPv4-mapped address as its IPv4 address; any other as it is. */
function unmapped(address: string): string {
  const tail = address.startsWith(MAPPED_IPV4) ? address.slice(MAPPED_IPV4.length) : '';
  return isIP(tail) === 4 ? tail : address;
}

/**
 * What an address' budget is kept under: an IPv4 address itself; for IPv6, its first
 * `ipv6SubnetBits` bits as a prefix (`2001:db8:1:2::/64`). Takes a canonical address; anything
 * else (no address: '') is its own bucket.
 */
export function ipBucket(address: string, ipv6SubnetBits: number): string {
  if (isIP(address) !== 6 || ipv6SubnetBits >= 128) return address;
  const groups = ipv6Groups(address);
  const masked = groups.map((group, index) => {
    const bitsLeft = Math.max(0, Math.min(16, ipv6SubnetBits - index * 16));
    return bitsLeft === 0 ? 0 : group & (0xffff << (16 - bitsLeft));
  });
  const network = ipv6Address(masked.map((group) => group.toString(16)).join(':')) ?? address;
  return `${network}/${ipv6SubnetBits}`;
}

/** The eight 16-bit groups of a valid IPv6 address (a trailing dotted IPv4 part is two of them). */
function ipv6Groups(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, null];
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((piece) => {
          if (!piece.includes('.')) return [parseInt(piece, 16)];
          const [a, b, c, d] = piece.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  const right = tail === null ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
