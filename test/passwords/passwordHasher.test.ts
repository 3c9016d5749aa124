import { readFileSync, readdirSync } from 'node:fs';
import { compareSync } from 'bcryptjs';
import { PasswordHasher } from '../../src/passwords/passwordHasher';

/** Nice value of each thread of this process, by thread id (Linux /proc). */
function threadNiceValues(): Map<number, number> {
  const values = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    values.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return values;
}

describe('password hashing', () => {
  let hasher: PasswordHasher;
  beforeEach(() => {
    hasher = new PasswordHasher(4);
  });
  afterEach(() => hasher.close());

  it('makes bcrypt hashes that verify, and refuses the wrong password', async () => {
    const hash = await hasher.hash('correct horse');
    expect(compareSync('correct horse', hash)).toBe(true);
    expect(await hasher.verify('correct horse', hash)).toBe(true);
    expect(await hasher.verify('wrong horse', hash)).toBe(false);
    expect(await hasher.verifyNothing('anything')).toBe(false);
  });

  it('tells a hash made at another cost, to be replaced at the next login', async () => {
    expect(hasher.needsRehash(await hasher.hash('x'))).toBe(false);
    const stronger = new PasswordHasher(5);
    try {
      expect(hasher.needsRehash(await stronger.hash('x'))).toBe(true);
    } finally {
      await stronger.close();
    }
  });

  it('spends one check at today’s cost on any stored hash: an older, cheaper one is topped up', async () => {
    const today = new PasswordHasher(7);
    try {
      const older = await hasher.hash('old password'); // cost 4
      const current = await today.hash('new password');
      const oneCheckToday = 2 ** 7;
      expect(await today.check('old password', older)).toEqual({ valid: true, rounds: oneCheckToday });
      expect(await today.check('wrong', older)).toEqual({ valid: false, rounds: oneCheckToday });
      expect(await today.check('new password', current)).toEqual({ valid: true, rounds: oneCheckToday });
      // An unknown name checks against the dummy hash, at today's cost too.
      expect((await today.check('anything', await today.prepare())).rounds).toBe(oneCheckToday);
    } finally {
      await today.close();
    }
  });

  (process.platform === 'linux' ? it : it.skip)('hashes on worker threads that yield the CPU to the event loop', async () => {
    const before = threadNiceValues();
    await Promise.all([hasher.hash('a'), hasher.hash('b')]);
    const after = threadNiceValues();
    const workers = [...after].filter(([tid]) => !before.has(tid));
    expect(workers.length).toBeGreaterThan(0);
    expect(workers.every(([, nice]) => nice === 19)).toBe(true);
    expect(after.get(process.pid)).toBe(0);
  });
});
