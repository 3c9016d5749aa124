/**
 * A call tree drawn as a flame graph in SVG by d3-flame-graph, in headless Chromium: the SVG the
 * library builds in the page is taken out with its stylesheet inlined, so it opens anywhere,
 * with each frame's name and share in its tooltip.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { launchBrowser } from '../test/support/browser';
import type { Frame } from './cpuProfile';

const REPO_ROOT = path.join(__dirname, '..');
// The package exports only its scripts; the stylesheet sits beside them.
const STYLESHEET = path.join(path.dirname(require.resolve('d3-flame-graph')), 'd3-flamegraph.css');

/** The page's script: d3-flame-graph and d3-selection bundled, behind one global function. */
const PAGE_SCRIPT = `
import flamegraph from 'd3-flame-graph';
import { select } from 'd3-selection';
window.drawFlameGraph = async (data, width, title) => {
  const chart = flamegraph().width(width).cellHeight(18).transitionDuration(0).selfValue(true).minFrameSize(2).title(title);
  select('#chart').datum(data).call(chart);
  // Frames get their widths in a d3 transition, which runs on a later animation frame even at duration 0.
  await new Promise((resolve) => setTimeout(resolve, 500));
  // XMLSerializer, not outerHTML: the labels' XHTML inside foreignObject keeps its namespace.
  return new XMLSerializer().serializeToString(document.querySelector('#chart svg'));
};
`;

export async function renderFlameGraph(tree: Frame, title: string, width = 1400): Promise<string> {
  const bundled = await build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: REPO_ROOT, loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    // The module imports its stylesheet; the SVG gets it inlined instead.
    loader: { '.css': 'empty' },
    logLevel: 'silent',
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.setContent('<!doctype html><meta charset="utf-8"><div id="chart"></div>');
    await page.addScriptTag({ content: bundled.outputFiles[0].text });
    const svg = await page.evaluate(
      ([data, w, t]) => (globalThis as unknown as { drawFlameGraph(d: unknown, w: number, t: string): Promise<string> }).drawFlameGraph(data, w, t),
      [tree, width, title] as const,
    );
    const style = `<style>${readFileSync(STYLESHEET, 'utf8')} .d3-flame-graph-label { font: 11px sans-serif; }</style>`;
    return svg.replace(/^<svg([^>]*)>/, `<svg$1>${style}`);
  } finally {
    await browser.close();
  }
}
