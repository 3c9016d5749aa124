/**
 * `npx tsx bench/memoryRow.ts [sessions]`: the memory rows of `npm run bench` alone (default
 * 100,000 sessions per store, as the full run), then where a user's first session's bytes go, key
 * by key: one first session of the bench's shape on a fresh Redis with its default configuration,
 * each key's MEMORY USAGE and its entry in the expiry dictionary (24 bytes) when it expires. The
 * dictionaries' bucket arrays (8 bytes a slot, a power of two) are on top of those.
 */
import { createTessera } from '../src';
import { cpuLayout } from './cpus';
import { measureMemory } from './memory';
import { startStandalone } from './redis';
import { connectRedis } from './servers/connectRedis';
import { sessionShape } from './sessionShape';
import { teardown, teardownOnExit } from './teardown';

/** What one dictEntry of the expiry dictionary takes beside a key's MEMORY USAGE (Redis 7). */
const EXPIRY_ENTRY_BYTES = 24;

async function firstSessionKeys(): Promise<string> {
  const redis = await startStandalone(cpuLayout().load, { defaults: true });
  const client = await connectRedis(redis.target);
  try {
    const tessera = createTessera(client);
    const shape = sessionShape(0);
    const { session } = await tessera.create(shape.userId, { device: shape.device, ip: shape.ip, userAgent: shape.userAgent });
    await tessera.setRoles(shape.userId, shape.roles);
    for (const [name, value] of Object.entries(shape.attributes)) await tessera.setAttribute(session.id, name, value);
    const rows = ['| key | type (encoding) | MEMORY USAGE | expiry entry |', '| --- | --- | ---: | ---: |'];
    let total = 0;
    for (const key of (await client.keys('*')).sort()) {
      const usage = Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      const expiry = (await client.pttl(key)) > 0 ? EXPIRY_ENTRY_BYTES : 0;
      total += usage + expiry;
      rows.push(`| \`${key}\` | ${await client.type(key)} (${String(await client.call('OBJECT', 'ENCODING', key))}) | ${usage} | ${expiry} |`);
    }
    rows.push(`| total | | ${total} | |`);
    return rows.join('\n');
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

async function main(): Promise<void> {
  teardownOnExit();
  const sessions = Number(process.argv[2] ?? 100_000);
  if (!Number.isInteger(sessions) || sessions <= 0) throw new Error('sessions must be a positive integer');
  const rows = await measureMemory(sessions, cpuLayout());
  process.stdout.write('| store | sessions | keys/session | bytes/session |\n| --- | ---: | ---: | ---: |\n');
  for (const row of rows) process.stdout.write(`| ${row.store} | ${row.sessions} | ${row.keysPerSession.toFixed(2)} | ${Math.round(row.bytesPerSession)} |\n`);
  process.stdout.write(`\nA user's first session, key by key:\n\n${await firstSessionKeys()}\n`);
}

main()
  .then(async () => {
    await teardown();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`memory row failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await teardown();
    process.exit(1);
  });
