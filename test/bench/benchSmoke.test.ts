import { runScript } from '../support/runScript';

// The benchmark is not part of the suite, but its smoke mode is, so it cannot rot unnoticed:
// every server, the load generator, the memory and login-storm parts run briefly and must answer.
describe('npm run bench -- --smoke', () => {
  it('starts every server and runs every part of the benchmark', async () => {
    const output = await runScript('bench/run.ts', ['--smoke']);
    for (const server of ['bare', 'jwt', 'koa-session', 'express-session', 'tessera', 'tessera-cluster', 'limit']) {
      expect(output).toContain(`| ${server} |`);
    }
  }, 180_000);
});
