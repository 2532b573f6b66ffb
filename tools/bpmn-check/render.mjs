// Renders a BPMN file with bpmn-js in headless Chromium and saves a PNG screenshot.
// Usage: node render.mjs FILE.bpmn OUT.png [WIDTHxHEIGHT]   (needs /usr/bin/chromium)
// Writes a self-contained HTML page (viewer bundle, CSS and the XML inlined) next to OUT.png,
// then lets Chromium load it and take the screenshot once bpmn-js has drawn the diagram.
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [file, out, size = '1600x900'] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: node render.mjs FILE.bpmn OUT.png [WIDTHxHEIGHT]');
  process.exit(2);
}
const [width, height] = size.split('x');
const dist = join(here, 'node_modules', 'bpmn-js', 'dist');
const viewer = await readFile(join(dist, 'bpmn-viewer.production.min.js'), 'utf8');
const css = [
  await readFile(join(dist, 'assets', 'diagram-js.css'), 'utf8'),
  await readFile(join(dist, 'assets', 'bpmn-js.css'), 'utf8'),
].join('\n');
const xml = await readFile(file, 'utf8');
const html = `<!doctype html>
<html><head><meta charset="utf-8"><style>${css}
html, body, #canvas { margin: 0; width: 100%; height: 100%; background: white; }
#status { position: absolute; left: 8px; bottom: 8px; font: 14px sans-serif; color: #a00; }
</style></head><body><div id="canvas"></div><div id="status"></div>
<script>${viewer}</script>
<script>
const viewer = new BpmnJS({ container: '#canvas' });
viewer.importXML(${JSON.stringify(xml)}).then(({ warnings }) => {
  viewer.get('canvas').zoom('fit-viewport');
  if (warnings.length) document.getElementById('status').textContent = warnings.length + ' import warning(s)';
}).catch((e) => { document.getElementById('status').textContent = 'import failed: ' + e.message; });
</script></body></html>`;
const page = resolve(out.replace(/\.png$/, '') + '.html');
await writeFile(page, html);
const profile = await mkdtemp(join(tmpdir(), 'bpmn-render-'));
execFileSync('/usr/bin/chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--hide-scrollbars', '--virtual-time-budget=5000',
  `--window-size=${width},${height}`, `--screenshot=${resolve(out)}`, `file://${page}`,
], { stdio: 'inherit' });
console.log(`wrote ${out}`);
