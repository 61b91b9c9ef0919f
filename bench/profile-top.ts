// Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time,
// and the share of time spent idle (waiting for I/O) and in garbage collection.
//
//   node dist/bench/profile-top.js <file.cpuprofile> [--top 25]

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: profile-top <file.cpuprofile> [--top N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const id = profile.samples[i]!;
  self.set(id, (self.get(id) ?? 0) + dt);
}

/** Self time per function (name + location), summed over every node of that function. */
const perFunction = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const f = n.callFrame;
  const where =
    f.url === ''
      ? ''
      : ` ${f.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
  const key = `${f.functionName === '' ? '(anonymous)' : f.functionName}${where}`;
  perFunction.set(key, (perFunction.get(key) ?? 0) + us);
}

const rows = [...perFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
process.stdout.write('| self ms | share | function |\n|---|---|---|\n');
for (const [name, us] of rows) {
  process.stdout.write(
    `| ${(us / 1000).toFixed(0)} | ${((us / total) * 100).toFixed(1)}% | \`${name}\` |\n`,
  );
}
