import { execFileSync } from 'node:child_process'
import { readManifest } from '../src/circuits/artifacts.ts'
import type { Row } from './crypto.ts'

/** Constraints and Groth16 proving (median of 5, witness generation included) per production circuit. */
export async function benchCircuits(log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = []
  const targets = { transfer: { constraints: 13_500, seconds: 2.5 }, batch: { constraints: 20_000, seconds: 4 } } as const
  for (const entry of readManifest().circuits) {
    const target = targets[entry.name]
    rows.push({ key: `${entry.name}.constraints`, label: `${entry.name}: constraints`, value: entry.constraints, unit: '', target: `≤ ${target.constraints.toLocaleString('en-US')}` })
    const out = execFileSync(process.execPath, ['--import', 'tsx', new URL('./proveOnce.ts', import.meta.url).pathname, entry.name, '5'], { encoding: 'utf8' })
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { warmupMs: number; medianMs: number; witnessMs: number; maxRssMB: number; timesMs: number[] }
    rows.push({ key: `${entry.name}.proveSeconds`, label: `${entry.name}: prove, median of 5 (witness included)`, value: r.medianMs / 1000, unit: 's', target: `≤ ${target.seconds}` })
    rows.push({ key: `${entry.name}.firstProveSeconds`, label: `${entry.name}: first proof in a process (worker warm-up)`, value: r.warmupMs / 1000, unit: 's' })
    rows.push({ key: `${entry.name}.witnessSeconds`, label: `${entry.name}: witness generation alone`, value: r.witnessMs / 1000, unit: 's' })
    rows.push({ key: `${entry.name}.peakRssMB`, label: `${entry.name}: peak memory of the proving process`, value: r.maxRssMB, unit: 'MB', target: '≤ 600' })
    log(`${entry.name}: ${entry.constraints} constraints, prove ${(r.medianMs / 1000).toFixed(2)} s (runs ${r.timesMs.map((x) => (x / 1000).toFixed(2)).join(', ')}), peak ${r.maxRssMB.toFixed(0)} MB`)
  }
  return rows
}
