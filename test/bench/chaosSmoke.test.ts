import { runScript } from '../support/runScript';

// The chaos run is not part of the suite, but its smoke mode is: a Cluster and a Sentinel master
// are killed under a little load, and clients must see no 500, no unanswered request and no
// revoked token accepted (the tool exits 1 otherwise).
describe('npm run chaos -- --smoke', () => {
  it('kills a master of each deployment under load and prints what clients saw', async () => {
    const output = await runScript('bench/chaos/run.ts', ['--smoke']);
    expect(output).toMatch(/\| \| cluster \| sentinel \|/);
    expect(output).toMatch(/\| revoked tokens accepted \| 0 \| 0 \|/);
    expect(output).toMatch(/\| requests without an answer \| 0 \| 0 \|/);
  }, 240_000);
});
