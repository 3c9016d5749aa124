// Runs in a worker thread (see passwordHasher.ts): bcryptjs and zxcvbn are pure JavaScript, and
// hashing or scoring on the main thread would stall every other request for the whole of it. Plain JS so it loads unbuilt.
const os = require('node:os');
const bcrypt = require('bcryptjs');
const { ZxcvbnFactory } = require('@zxcvbn-ts/core');
const zxcvbnCommon = require('@zxcvbn-ts/language-common');

// On Linux the nice value belongs to the thread, so this lowers this worker alone: where the
// event loop and hashing share a core, the kernel lets authenticated requests go first and
// logins take the time that is left. (Elsewhere it would renice the whole process: skipped.)
if (process.platform === 'linux') {
  try {
    os.setPriority(0, 19);
  } catch {
    // Not permitted here; hashing keeps the default priority.
  }
}

/** Built at the first score (its dictionaries take a few megabytes), then kept by this worker. */
let scorer = null;

function strength(password, context) {
  scorer ??= new ZxcvbnFactory({ dictionary: zxcvbnCommon.dictionary, graphs: zxcvbnCommon.adjacencyGraphs });
  return scorer.check(password, context).score;
}

/**
 * Answers [result, start] where start is when this task left the queue (wall-clock ms, as the
 * main thread measures it), so the caller knows how long it waited for a worker. `hash`'s result
 * is the new hash. `verify` compares the password with hashes[0], then with every other hash too
 * (the top-up work, whose results do not matter); its result says whether the first matched and
 * how many bcrypt rounds it spent in all. `score`'s result is zxcvbn's score (0-4) of the
 * password, given words (username, service name) that count as guessable.
 * @param {{ op: 'hash', password: string, cost: number } | { op: 'verify', password: string, hashes: string[] } | { op: 'score', password: string, context: string[] }} task
 */
module.exports = function bcryptTask(task) {
  const startedAtMs = performance.timeOrigin + performance.now();
  if (task.op === 'hash') return [bcrypt.hashSync(task.password, task.cost), startedAtMs];
  if (task.op === 'score') return [strength(task.password, task.context), startedAtMs];
  let rounds = 0;
  const results = task.hashes.map((hash) => {
    rounds += 2 ** bcrypt.getRounds(hash);
    return bcrypt.compareSync(task.password, hash);
  });
  return [{ valid: results[0], rounds }, startedAtMs];
};
