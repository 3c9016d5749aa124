/**
 * The targets Tessera's design is held to, checked against one bench run. Throughput and p99
 * targets use the median of the per-round ratios (comparison.ts, pairedRatio) and show the
 * medians of the table beside it; each target says what was measured, so a MISS reads without
 * the code.
 */
import { pairedRatio, type ComparedName, type ComparedRow } from './comparison';
import type { AbuseResult } from './abuse';
import { DPOP_TARGET_RATIO, type DpopCheckResult } from './dpopPhase';
import type { LoginStormResult } from './loginStorm';
import type { MemoryRow } from './memory';
import type { ReplicationRow } from './replicationWrites';
import type { ScaleCurve } from './scaleCurve';

export interface TargetResult {
  target: string;
  measured: string;
  pass: boolean;
}

export interface TargetInputs {
  comparison: ComparedRow[];
  memory: MemoryRow[];
  /** null when the scale curve was skipped (then its target is not reported). */
  scale: ScaleCurve | null;
  loginStorm: LoginStormResult;
  abuse: AbuseResult;
  replication: ReplicationRow[];
  dpop: DpopCheckResult;
}

/** Redis memory of a user's first session (with the user's own keys), about what connect-redis pays for one. */
const MAX_BYTES_FIRST_SESSION = 600;
/** Redis memory of each further session of a user. */
const MAX_BYTES_FURTHER_SESSION = 400;
const MAX_STORM_P99_FACTOR = 3;
const MAX_LISTING_P99_FACTOR = 2;
const MAX_BUSY_TOKEN_WRITES = 0.1;
/** The whole service (routing, JSON body, request log) against the bare middleware's row. */
const MIN_SERVICE_FACTOR = 0.8;
/** Throughput with the scale curve's large population against its small one. */
const MIN_SCALE_FACTOR = 0.9;

export function evaluateTargets({ comparison, memory, scale, loginStorm, abuse, replication, dpop }: TargetInputs): TargetResult[] {
  const row = (name: ComparedName) => {
    const found = comparison.find((r) => r.name === name);
    if (!found) throw new Error(`no ${name} row`);
    return found;
  };
  const tessera = row('tessera');
  const throughput = (name: ComparedName, atLeast: number): TargetResult => {
    const ratio = pairedRatio(tessera, row(name), 'requestsPerSecond');
    return {
      target: `tessera >= ${atLeast.toFixed(2)}x ${name} (req/s)`,
      measured: `${ratio.toFixed(2)}x (medians ${fmt(tessera.requestsPerSecond)} vs ${fmt(row(name).requestsPerSecond)})`,
      pass: ratio >= atLeast,
    };
  };
  const jwt = row('jwt');
  const p99Ratio = pairedRatio(tessera, jwt, 'p99Ms');
  const cluster = row('tessera-cluster');
  const clusterRatio = pairedRatio(cluster, tessera, 'requestsPerSecond');
  const service = row('service');
  const serviceRatio = pairedRatio(service, tessera, 'requestsPerSecond');
  const commands = tessera.commands;
  const others = Object.entries(commands?.otherClientCommands ?? {});
  const memoryTarget = (store: MemoryRow['store'], atMost: number, what: string): TargetResult => {
    const measured = memory.find((m) => m.store === store);
    return {
      target: `<= ${atMost} bytes of Redis memory for ${what} (tessera)`,
      measured: measured ? `${Math.round(measured.bytesPerSession)} bytes` : 'not measured',
      pass: !!measured && measured.bytesPerSession <= atMost,
    };
  };
  const busy = replication[0];
  const scaleTargets: TargetResult[] = [];
  if (scale) {
    const small = scale.points[0];
    const large = scale.points[scale.points.length - 1];
    scaleTargets.push({
      target: `tessera with ${large.sessions.toLocaleString('en-US')} live sessions >= ${MIN_SCALE_FACTOR.toFixed(2)}x its req/s with ${small.sessions.toLocaleString('en-US')}`,
      measured:
        `${scale.throughputRatio.toFixed(2)}x (medians ${fmt(large.requestsPerSecond)} vs ${fmt(small.requestsPerSecond)}; ` +
        `p99 ${large.p99Ms.toFixed(2)} ms vs ${small.p99Ms.toFixed(2)} ms)`,
      pass: scale.throughputRatio >= MIN_SCALE_FACTOR,
    });
  }
  return [
    throughput('limit', 0.9),
    throughput('jwt', 1.3),
    {
      target: 'tessera p99 <= jwt p99',
      measured: `${p99Ratio.toFixed(2)}x jwt's (medians ${tessera.p99Ms.toFixed(2)} ms vs ${jwt.p99Ms.toFixed(2)} ms)`,
      pass: p99Ratio <= 1,
    },
    throughput('koa-session', 2.5),
    throughput('express-session', 4),
    {
      target: 'tessera-cluster >= 0.90x tessera (req/s)',
      measured: `${clusterRatio.toFixed(2)}x (medians ${fmt(cluster.requestsPerSecond)} vs ${fmt(tessera.requestsPerSecond)})`,
      pass: clusterRatio >= 0.9,
    },
    {
      target: `service GET /auth/session >= ${MIN_SERVICE_FACTOR.toFixed(2)}x tessera (req/s)`,
      measured:
        `${serviceRatio.toFixed(2)}x (medians ${fmt(service.requestsPerSecond)} vs ${fmt(tessera.requestsPerSecond)}; ` +
        `server CPU per request ${pairedRatio(service, tessera, 'serverCpuMicrosPerRequest').toFixed(2)}x tessera's)`,
      pass: serviceRatio >= MIN_SERVICE_FACTOR,
    },
    {
      target: 'exactly 1 Redis command per authenticated request (tessera)',
      measured: commands
        ? `${commands.clientCommandsPerRequest.toFixed(4)} client commands/request (EVALSHA+EVAL ${commands.scriptCallsPerRequest.toFixed(4)}` +
          `, other client commands: ${others.length ? others.map(([c, n]) => `${c} ${n}`).join(', ') : 'none'}; ${commands.requests} requests)`
        : 'not measured',
      pass: !!commands && commands.requests > 0 && commands.scriptCallsPerRequest === 1 && others.length === 0,
    },
    memoryTarget('tessera', MAX_BYTES_FIRST_SESSION, "a user's first session"),
    memoryTarget('tessera (second session of a user)', MAX_BYTES_FURTHER_SESSION, 'each further session of a user'),
    ...scaleTargets,
    {
      target: `<= ${MAX_BUSY_TOKEN_WRITES} writes to replicas and the AOF per request for one token used many times a second (tessera)`,
      measured: busy
        ? `${busy.writesPerCheck.toFixed(4)} writes/request, ${busy.replicationBytesPerCheck.toFixed(2)} replication bytes/request at ${Math.round(busy.checksPerSecond)} checks/s`
        : 'not measured',
      pass: !!busy && busy.writesPerCheck <= MAX_BUSY_TOKEN_WRITES,
    },
    {
      target: `login storm: authenticated p99 <= ${MAX_STORM_P99_FACTOR}x without storm`,
      measured: `${loginStorm.p99Factor.toFixed(2)}x (medians ${loginStorm.stormP99Ms.toFixed(2)} ms vs ${loginStorm.quietP99Ms.toFixed(2)} ms)`,
      pass: loginStorm.p99Factor <= MAX_STORM_P99_FACTOR,
    },
    {
      target: `one user listing a full set of sessions: others' authenticated p99 <= ${MAX_LISTING_P99_FACTOR}x without it`,
      measured: `${abuse.listingP99Factor.toFixed(2)}x (medians ${abuse.listingP99Ms.toFixed(2)} ms vs ${abuse.listingQuietP99Ms.toFixed(2)} ms)`,
      pass: abuse.listingP99Factor <= MAX_LISTING_P99_FACTOR,
    },
    {
      target: `DPoP-bound check CPU <= ${DPOP_TARGET_RATIO}x unbound`,
      measured:
        `${dpop.ratio.toFixed(2)}x (medians ${dpop.bound.cpuMicrosPerRequest.toFixed(1)} vs ${dpop.unbound.cpuMicrosPerRequest.toFixed(1)} µs of server CPU/request; ` +
        `${dpop.bound.redisCommandsPerRequest.toFixed(2)} Redis commands/request bound; ${dpop.bound.failures + dpop.unbound.failures} refused)`,
      // Binding must not cost a second round trip, nor refuse a good proof.
      pass: dpop.ratio <= DPOP_TARGET_RATIO && dpop.bound.redisCommandsPerRequest === 1 && dpop.bound.failures + dpop.unbound.failures === 0,
    },
  ];
}

function fmt(requestsPerSecond: number): string {
  return `${Math.round(requestsPerSecond)} req/s`;
}
