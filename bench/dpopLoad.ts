/**
 * The load of bench/dpopCheck.ts, in a process of its own so its CPU (HTTP client, proof signing)
 * is not the server's: `count` GET /me over 32 keep-alive connections, each DPoP request with a
 * proof of its own, all signed before the first is sent. Reports the number of non-200 answers to its parent.
 */
import { createHash, createPrivateKey, randomUUID, sign } from 'node:crypto';
import http from 'node:http';

/** What the parent sends: where to send the load, with which token and key. */
export interface LoadSpec {
  port: number;
  token: string;
  mode: 'bearer' | 'dpop';
  count: number;
  origin: string;
  privatePem: string;
  jwk: { kty: string; crv: string; x: string; y: string };
}

const CONNECTIONS = 32;

process.once('message', (spec: LoadSpec) => {
  void run(spec).then((failures) => {
    process.send?.({ failures }, () => process.exit(0));
  });
});

async function run(spec: LoadSpec): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const key = createPrivateKey(spec.privatePem);
  const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: spec.jwk })).toString('base64url');
  const ath = createHash('sha256').update(spec.token).digest('base64url');
  const proof = () => {
    const claims = Buffer.from(JSON.stringify({ jti: randomUUID(), htm: 'GET', htu: `${spec.origin}/me`, iat: Math.floor(Date.now() / 1000), ath })).toString(
      'base64url',
    );
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return `${header}.${claims}.${signature}`;
  };
  // Signed before the first request is sent: signing while the server works would take a share of
  // the CPU the server is measured on, and slow its caches, on a machine with few cores.
  const proofs = spec.mode === 'dpop' ? Array.from({ length: spec.count }, proof) : [];
  let left = spec.count;
  let failures = 0;
  const worker = async () => {
    while (left > 0) {
      left -= 1;
      const headers: Record<string, string> =
        spec.mode === 'dpop' ? { authorization: `DPoP ${spec.token}`, dpop: proofs[left] } : { authorization: `Bearer ${spec.token}` };
      const status = await get(agent, spec.port, headers);
      if (status !== 200) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
  return failures;
}

function get(agent: http.Agent, port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/me', agent, headers }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('error', reject);
  });
}
