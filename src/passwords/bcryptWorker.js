'use strict';
// Runs in a worker thread (see passwordHasher.ts): bcryptjs is pure JavaScript, and hashing on the
// main thread would stall every other request for the whole hash. Plain JS so it loads unbuilt.
const bcrypt = require('bcryptjs');

/** @param {{ op: 'hash', password: string, cost: number } | { op: 'verify', password: string, hash: string }} task */
module.exports = function bcryptTask(task) {
  return task.op === 'hash' ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
};
