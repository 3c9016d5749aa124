/**
 * A population of live sessions for the scale curve, one user each, built fast: a few hundred
 * real logins through tessera.create (with roles and attributes, the shape of sessionShape.ts),
 * then clones of them under fresh ids by population.lua, a thousand per script call. Every clone
 * is a session like its template with its own tag, local id, user id and secret, so its token is
 * a real one the middleware accepts. The tokens go to a file, one a line, for the load generator.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { customAlphabet } from 'nanoid';
import { createTessera, type RedisTarget } from '../src';
import { SESSION_FIELD, USER_FIELD } from '../src/store/fields';
import { KeySpace } from '../src/store/keys';
import { formatToken, hashSecret, newSecret, parseToken } from '../src/tokens/token';
import { derivedRoutingTag, ID_ALPHABET, LOCAL_ID_LENGTH } from '../src/tokens/sessionId';
import { sessionShape } from './sessionShape';

const CLONE_SCRIPT = readFileSync(path.join(__dirname, 'population.lua'), 'utf8');
/** Real logins to clone from: enough that sessions differ (addresses, attribute values), few enough to take a second. */
const TEMPLATES = 500;
const CLONES_PER_CALL = 1000;
/** Script calls in flight: keeps Redis busy while the next batch is encoded. */
const CALLS_IN_FLIGHT = 4;
const LOGINS_IN_FLIGHT = 100;
const SAMPLE_SIZE = 50;

const randomLocalId = customAlphabet(ID_ALPHABET, LOCAL_ID_LENGTH);

export interface Population {
  sessions: number;
  /** used_memory after the population was written, less before, per session. */
  bytesPerSession: number;
  keysPerSession: number;
  /** Tokens of the population with the user each belongs to, drawn at random, for checking them against the server. */
  sample: { token: string; userId: string }[];
}

type PopulationClient = Redis & {
  benchClone(...args: (string | Buffer)[]): Promise<number>;
};

/**
 * A client failing fast like Tessera's own, but with time for a script call that clones a
 * thousand sessions while other work shares Redis's core (Tessera's 1 s would cut it short).
 */
async function connect(target: RedisTarget): Promise<PopulationClient> {
  if (target.kind !== 'standalone' || !target.url) throw new Error('the scale curve runs on a standalone Redis reached by URL');
  const client = new Redis(target.url, { commandTimeout: 60_000, enableOfflineQueue: false, lazyConnect: true });
  await client.connect();
  client.defineCommand('benchClone', { numberOfKeys: 0, lua: CLONE_SCRIPT });
  return client as PopulationClient;
}

/**
 * Writes `count` live sessions with `keyPrefix` and their tokens to `tokenFile`, on a Redis that
 * holds nothing else of that prefix. Tessera's options must be the defaults, as the bench's
 * tessera server runs them, so that the server accepts every token.
 */
export async function buildPopulation(target: RedisTarget, keyPrefix: string, count: number, tokenFile: string): Promise<Population> {
  const client = await connect(target);
  try {
    await settled(client);
    const before = await usedMemory(client);
    const keysBefore = await client.dbsize();
    const tokens: string[] = new Array<string>(count);
    const userIds: string[] = new Array<string>(count);
    const templates = Math.min(TEMPLATES, count);
    await logIn(client, keyPrefix, templates, tokens, userIds);
    await cloneRest(client, keyPrefix, templates, count, tokens, userIds);
    writeFileSync(tokenFile, `${tokens.join('\n')}\n`);
    await settled(client);
    const after = await usedMemory(client);
    const keysAfter = await client.dbsize();
    const sample = Array.from({ length: Math.min(SAMPLE_SIZE, count) }, () => {
      const n = Math.floor(Math.random() * count);
      return { token: tokens[n], userId: userIds[n] };
    });
    return { sessions: count, bytesPerSession: (after - before) / count, keysPerSession: (keysAfter - keysBefore) / count, sample };
  } finally {
    client.disconnect();
  }
}

async function logIn(client: Redis, keyPrefix: string, templates: number, tokens: string[], userIds: string[]): Promise<void> {
  const tessera = createTessera(client, { keyPrefix });
  let next = 0;
  const lane = async () => {
    while (next < templates) {
      const n = next++;
      const shape = sessionShape(n);
      const { token, session } = await tessera.create(shape.userId, { device: shape.device, ip: shape.ip, userAgent: shape.userAgent });
      await tessera.setRoles(shape.userId, shape.roles);
      for (const [name, value] of Object.entries(shape.attributes)) await tessera.setAttribute(session.id, name, value);
      tokens[n] = token;
      userIds[n] = shape.userId;
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOGINS_IN_FLIGHT, templates) }, lane));
}

async function cloneRest(client: PopulationClient, keyPrefix: string, templates: number, count: number, tokens: string[], userIds: string[]): Promise<void> {
  const keys = new KeySpace(keyPrefix);
  const MARK = '\u0001';
  const around = (key: string) => key.split(MARK);
  const user = keys.forUser(MARK);
  const layout = [
    SESSION_FIELD.secretHash,
    SESSION_FIELD.agent,
    USER_FIELD.userId,
    USER_FIELD.sessionSeen,
    ...around(user.user),
    ...around(user.sessionPrefix),
    ...around(user.agentPrefix),
  ];
  let next = templates;
  let call = 0;
  const lane = async () => {
    while (next < count) {
      const from = next;
      const to = Math.min(count, from + CLONES_PER_CALL);
      next = to;
      const template = call++ % templates;
      const parts = parseToken(tokens[template])!;
      const args: (string | Buffer)[] = [...layout, parts.tag, parts.localId];
      for (let n = from; n < to; n++) {
        userIds[n] = randomUUID();
        // The tag a real first login of the user would claim.
        const tag = derivedRoutingTag(userIds[n]);
        const localId = randomLocalId();
        const secret = newSecret();
        tokens[n] = formatToken(tag + localId, secret);
        args.push(tag, localId, userIds[n], hashSecret(secret));
      }
      const cloned = await client.benchClone(...args);
      if (cloned !== to - from) throw new Error(`cloned ${cloned} sessions of ${to - from}`);
    }
  };
  await Promise.all(Array.from({ length: CALLS_IN_FLIGHT }, lane));
}

async function usedMemory(client: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
}

/**
 * Waits (ten seconds at most) for used_memory to hold still: a keyspace of millions of keys grows
 * its hash table by rehashing incrementally, and until that ends Redis holds the old table and
 * the new one. Still means within 64 KiB, what a client's buffers may move it by.
 */
async function settled(client: Redis): Promise<void> {
  let last = await usedMemory(client);
  for (let still = 0, tries = 0; still < 3 && tries < 50; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await usedMemory(client);
    still = Math.abs(now - last) < 65_536 ? still + 1 : 0;
    last = now;
  }
}
