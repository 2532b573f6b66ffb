// Times bpmn-moddle's bare parse of a BPMN file (fromXML), best of N runs, for
// scripts/ratio-bpmn.sh. Usage: node time-fromxml.mjs FILE [RUNS]; prints milliseconds.
import { readFile } from 'node:fs/promises';
import { BpmnModdle } from 'bpmn-moddle';

const [file, runsText] = process.argv.slice(2);
const runs = Math.max(1, Number.parseInt(runsText ?? '7', 10) || 7);
const xml = await readFile(file, 'utf8');
let best = Infinity;
for (let k = 0; k < runs; k++) {
  const moddle = new BpmnModdle();
  const start = process.hrtime.bigint();
  await moddle.fromXML(xml, 'bpmn:Definitions');
  best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
}
console.log(best.toFixed(1));
