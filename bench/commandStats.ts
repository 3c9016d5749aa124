/**
 * Redis commands per request, from INFO commandstats. Commands a Lua script runs are counted
 * there too, and Redis 7.0 counts them in total_commands_processed as well (checked on 7.0.15:
 * one EVAL that runs SET, GET and TIME adds 4), so neither tells client commands apart by
 * itself. They are reasoned out instead:
 *
 *   client commands = EVALSHA + EVAL calls
 *                   + calls of every command no script of the server contains
 *                   + calls of a script's command beyond what the scripts can account for
 *                     (script calls x the command's call sites in the scripts).
 *
 * The scripts measured here (Tessera's touch.lua with its prelude, the limit's script) call
 * Redis outside any loop, so a command's call sites bound how often one run can call it. The
 * bench's own INFO snapshot (one per node between two snapshots) is taken out.
 */
import { Redis } from 'ioredis';

/** Per command: how often Redis ran it and the microseconds it spent (a script's time includes its commands'). */
export type CommandCalls = Map<string, { calls: number; usec: number }>;

const SCRIPT_COMMANDS = new Set(['evalsha', 'eval', 'evalsha_ro', 'eval_ro']);

/** Persistent connections to every node, so taking a snapshot adds exactly one INFO per node. */
export class CommandStats {
  private readonly clients: Redis[];

  constructor(ports: number[]) {
    this.clients = ports.map((port) => new Redis({ port, host: '127.0.0.1', enableReadyCheck: false }));
  }

  /** Calls per command, summed over the nodes. */
  async snapshot(): Promise<CommandCalls> {
    const calls: CommandCalls = new Map();
    for (const client of this.clients) {
      for (const match of (await client.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
        const seen = calls.get(match[1]) ?? { calls: 0, usec: 0 };
        calls.set(match[1], { calls: seen.calls + Number(match[2]), usec: seen.usec + Number(match[3]) });
      }
    }
    return calls;
  }

  /** Calls between two snapshots, less the INFO of the first snapshot itself. */
  between(before: CommandCalls, after: CommandCalls): CommandCalls {
    const delta: CommandCalls = new Map();
    for (const [command, now] of after) {
      const then = before.get(command) ?? { calls: 0, usec: 0 };
      const calls = now.calls - then.calls - (command === 'info' ? this.clients.length : 0);
      if (calls > 0) delta.set(command, { calls, usec: now.usec - then.usec });
    }
    return delta;
  }

  close(): void {
    for (const client of this.clients) client.disconnect();
  }
}

/** How many times each Redis command appears in Lua sources (redis.call / redis.pcall), lower-cased. */
export function scriptCallSites(sources: string[]): Map<string, number> {
  const sites = new Map<string, number>();
  for (const source of sources) {
    for (const match of source.matchAll(/redis\.p?call\(\s*['"]([A-Za-z]+)['"]/g)) {
      const command = match[1].toLowerCase();
      sites.set(command, (sites.get(command) ?? 0) + 1);
    }
  }
  return sites;
}

export interface CommandAccount {
  requests: number;
  /** EVALSHA + EVAL calls per request. */
  scriptCallsPerRequest: number;
  /** Commands the server's client sent per request (see the header of this file). */
  clientCommandsPerRequest: number;
  /** Commands run inside scripts per request. */
  scriptInternalPerRequest: number;
  /** Microseconds Redis spent on the client's commands (scripts included) per request: the Redis CPU a request costs. */
  redisMicrosPerRequest: number;
  /** Client commands other than script calls, by name (empty when every client command was a script call). */
  otherClientCommands: Record<string, number>;
  /** Every command's calls per request, as Redis counted them. */
  perRequest: Record<string, number>;
}

export function accountCommands(calls: CommandCalls, requests: number, callSites: Map<string, number>): CommandAccount {
  let scriptCalls = 0;
  let usec = 0;
  for (const command of SCRIPT_COMMANDS) {
    scriptCalls += calls.get(command)?.calls ?? 0;
    usec += calls.get(command)?.usec ?? 0;
  }
  const other: Record<string, number> = {};
  let internal = 0;
  for (const [command, count] of calls) {
    if (SCRIPT_COMMANDS.has(command)) continue;
    const fromScripts = Math.min(count.calls, scriptCalls * (callSites.get(command) ?? 0));
    internal += fromScripts;
    if (count.calls > fromScripts) other[command] = count.calls - fromScripts;
    if (fromScripts === 0) usec += count.usec;
  }
  const otherTotal = Object.values(other).reduce((sum, count) => sum + count, 0);
  const perRequest = (n: number) => (requests > 0 ? n / requests : 0);
  return {
    requests,
    scriptCallsPerRequest: perRequest(scriptCalls),
    clientCommandsPerRequest: perRequest(scriptCalls + otherTotal),
    scriptInternalPerRequest: perRequest(internal),
    redisMicrosPerRequest: perRequest(usec),
    otherClientCommands: other,
    perRequest: Object.fromEntries([...calls].sort(([a], [b]) => a.localeCompare(b)).map(([c, n]) => [c, perRequest(n.calls)])),
  };
}
