/**
 * A V8 CPU profile read as a call tree of sample counts, and the per-request cost of each layer
 * of a token check: the figures docs/profile/ quotes, so that the next change
 * to the hot path starts from where the time goes rather than from a guess.
 */
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** A frame of the flame graph: its own samples in `value` (d3-flame-graph's selfValue mode). */
export interface Frame {
  name: string;
  value: number;
  children: Frame[];
}

/** V8's pseudo-frames for time spent waiting, not working: left out of every figure. */
const IDLE = new Set(['(idle)']);
const REPO_ROOT = path.join(__dirname, '..');

/** Function and file, without a line: the bench runs sources through tsx, whose line numbers are its own. */
function frameName({ functionName, url }: ProfileNode['callFrame']): string {
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url.replace(/^file:\/\//, '');
  const at = file.includes('/node_modules/') ? file.slice(file.lastIndexOf('/node_modules/') + '/node_modules/'.length) : path.relative(REPO_ROOT, file);
  return `${name} ${at}`;
}

/** The call tree with idle time removed; frames of one name under one parent are merged. */
export function callTree(profile: CpuProfile): Frame {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const build = (node: ProfileNode): Frame => {
    const children = new Map<string, Frame>();
    for (const childId of node.children ?? []) {
      const child = byId.get(childId)!;
      if (IDLE.has(child.callFrame.functionName)) continue;
      const frame = build(child);
      const same = children.get(frame.name);
      if (same) merge(same, frame);
      else children.set(frame.name, frame);
    }
    return { name: frameName(node.callFrame), value: node.hitCount ?? 0, children: [...children.values()] };
  };
  const root = build(profile.nodes[0]);
  root.name = 'all';
  return root;
}

function merge(into: Frame, from: Frame): void {
  into.value += from.value;
  for (const child of from.children) {
    const same = into.children.find((candidate) => candidate.name === child.name);
    if (same) merge(same, child);
    else into.children.push(child);
  }
}

export function totalSamples(frame: Frame): number {
  return frame.children.reduce((sum, child) => sum + totalSamples(child), frame.value);
}

/** Microseconds of CPU per sample: the profile's length over its sample count. */
export function sampleMicros(profile: CpuProfile): number {
  return (profile.endTime - profile.startTime) / profile.samples.length;
}

export interface CostRow {
  layer: string;
  /** µs of CPU per request in the layer's own code and what it calls outside every other layer. */
  microsPerRequest: number;
  share: number;
}

/**
 * Every sample charged to one layer: the innermost frame on its stack that matches a layer's
 * pattern names it (a stack matching none is "other"), so the rows add up to the whole request.
 */
export function costByLayer(tree: Frame, layers: [string, RegExp][], microsPerSample: number, requests: number): CostRow[] {
  const samples = new Map<string, number>(layers.map(([layer]) => [layer, 0]));
  samples.set(OTHER, 0);
  const walk = (frame: Frame, current: string) => {
    const here = layers.find(([, pattern]) => pattern.test(frame.name))?.[0] ?? current;
    samples.set(here, samples.get(here)! + frame.value);
    for (const child of frame.children) walk(child, here);
  };
  walk(tree, OTHER);
  const total = totalSamples(tree);
  return [...samples].map(([layer, count]) => ({ layer, microsPerRequest: (count * microsPerSample) / requests, share: count / total }));
}

const OTHER = 'other (event loop, timers, Node internals)';

/** The frames with the most samples of their own, merged by name across the tree. */
export function hottest(tree: Frame, count: number): { name: string; share: number }[] {
  const self = new Map<string, number>();
  const walk = (frame: Frame) => {
    self.set(frame.name, (self.get(frame.name) ?? 0) + frame.value);
    frame.children.forEach(walk);
  };
  walk(tree);
  const total = totalSamples(tree);
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, samples]) => ({ name, share: samples / total }));
}
