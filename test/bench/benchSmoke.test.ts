import { runScript } from '../support/runScript';

// The benchmark is not part of the suite, but its smoke mode is, so it cannot rot unnoticed:
// every server, the load generator, the memory and login-storm parts and the scale curve (a small
// population cloned from real logins, each request a token drawn from all of it) run briefly and
// must answer.
describe('npm run bench -- --smoke', () => {
  it('starts every server and runs every part of the benchmark', async () => {
    const output = await runScript('bench/run.ts', ['--smoke']);
    for (const server of ['bare', 'jwt', 'koa-session', 'express-session', 'tessera', 'tessera-cluster', 'limit']) {
      expect(output).toContain(`| ${server} |`);
    }
    // The scale curve's rows: every token the load drew was let in (the bench fails on any other answer).
    expect(output).toContain('**Scale curve**');
    expect(output).toMatch(/^\| 2,000 \| [\d,]+ \| 2\.00 \| [\d,]+ \|/m);
    expect(output).toMatch(/^\| 20,000 \| [\d,]+ \| 2\.00 \| [\d,]+ \|/m);
    expect(output).toMatch(/tessera with 20,000 live sessions >= 0\.90x its req\/s with 2,000 \|/);
    // The DPoP check: every bound request let in, with one Redis command each.
    expect(output).toMatch(/^\| DPoP-bound, a fresh ES256 proof each \| [\d.]+ \| 1\.00 \| 0 \|$/m);
    expect(output).toMatch(/^\| DPoP-bound check CPU <= 1\.6x unbound \| [\d.]+x \(medians /m);
  }, 180_000);
});
