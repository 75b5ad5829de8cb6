import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { benchBrowser } from './browser.ts'
import { benchCircuits } from './circuits.ts'
import { benchCli } from './cli.ts'
import { benchCrypto, formatFigure, type Row } from './crypto.ts'
import { benchMerchant } from './merchant.ts'
import { benchNode } from './node.ts'
import { benchPackage } from './package.ts'
import { benchScale } from './scale.ts'
import { benchSettlement } from './settlement.ts'
import { benchSync } from './sync.ts'

/**
 * `npm run bench [suite…]`: runs the benchmark suites (all by default), merges their figures
 * into bench/results.json (suites not run keep their last figures) and rewrites the table in
 * bench/README.md. Figures, not pass/fail: tests never assert timings.
 */
type SuiteResult = Row[] | { rows: Row[]; extra: Record<string, unknown> }
/** A suite gets the figures of results.json as they stand (this run's suites merged) to set its own beside them. */
const suites: Record<string, (log: (line: string) => void, previous: Readonly<Record<string, Suite>>) => Promise<SuiteResult>> = {
  crypto: benchCrypto,
  circuits: benchCircuits,
  settlement: benchSettlement,
  node: benchNode,
  sync: benchSync,
  cli: benchCli,
  merchant: benchMerchant,
  package: benchPackage,
  browser: benchBrowser,
  scale: benchScale,
}

const chosen = process.argv.slice(2)
const resultsUrl = new URL('./results.json', import.meta.url)
/** Suites may add top-level keys (e.g. `gasPerTransfer`) for figures an issue names. */
/** Each suite keeps the machine it last ran on: VMs of one kind differ (CPU model, neighbours). */
type Suite = { date: string; machine: string; rows: Row[] }
type Results = { suites: Record<string, Suite>; [key: string]: unknown }
const results: Results = existsSync(resultsUrl) ? JSON.parse(readFileSync(resultsUrl, 'utf8')) : { suites: {} }
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
delete results.machine

for (const [name, run] of Object.entries(suites)) {
  if (chosen.length > 0 && !chosen.includes(name)) continue
  console.log(`== ${name}`)
  const result = await run((line) => console.log(`   ${line}`), results.suites)
  const rows = Array.isArray(result) ? result : result.rows
  if (!Array.isArray(result)) Object.assign(results, result.extra)
  results.suites[name] = { date: new Date().toISOString().slice(0, 10), machine, rows }
}
writeFileSync(resultsUrl, `${JSON.stringify(results, null, 2)}\n`)

const lines = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (see bench/run.ts): the last run of each suite, on the machine it names.',
  '',
  ...Object.entries(results.suites).map(([suite, s]) => `- ${suite}: ${s.date}, ${s.machine ?? 'machine not recorded'}`),
  '',
  '| suite | measure | value | target | notes |',
  '|---|---|---|---|---|',
  ...Object.entries(results.suites).flatMap(([suite, { rows }]) => rows.map((r) => `| ${suite} | ${r.label} | ${formatFigure(r.value)} ${r.unit} | ${r.target ?? ''} | ${r.note ?? ''} |`)),
  '',
]
writeFileSync(new URL('./README.md', import.meta.url), lines.join('\n'))
console.log(lines.slice(2).join('\n'))
