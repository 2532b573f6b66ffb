// Checks BPMN files the way real BPMN tools read them: bpmn-moddle's import warnings and
// bpmnlint's recommended rules. Usage: node check.mjs FILE...  Prints one JSON line per file:
// {"file", "error", "warnings": [...], "lint": [{"rule", "id", "message", "category"}]}.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { BpmnModdle } from 'bpmn-moddle';
import { Linter } from 'bpmnlint';

const require = createRequire(import.meta.url);
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');

for (const file of process.argv.slice(2)) {
  const out = { file, error: null, warnings: [], lint: [] };
  try {
    const xml = await readFile(file, 'utf8');
    const moddle = new BpmnModdle();
    const { rootElement, warnings } = await moddle.fromXML(xml, 'bpmn:Definitions');
    out.warnings = warnings.map((w) => w.message);
    // A linter per file: some rules keep state between calls (no-duplicate-sequence-flows).
    const linter = new Linter({
      config: { extends: 'bpmnlint:recommended' },
      resolver: new NodeResolver(),
    });
    const reports = await linter.lint(rootElement);
    for (const [rule, items] of Object.entries(reports)) {
      for (const r of items) {
        out.lint.push({ rule, id: r.id ?? null, message: r.message, category: r.category });
      }
    }
  } catch (e) {
    out.error = String(e && e.message ? e.message : e);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
