// Reading a Prometheus text exposition (format 0.0.4) as Prometheus does, strictly: every line
// is a HELP or TYPE comment or a sample, every sample belongs to a family with a TYPE, label
// values are quoted and escaped, values are floats as Go's ParseFloat reads them (NaN and ±Inf in
// any case: prom-client writes NaN as `Nan`), and a histogram's buckets are cumulative and end at
// +Inf with the count.

export type Sample = { name: string; labels: Record<string, string>; value: number }

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`
const VALUE = '((?:[nN][aA][nN])|[+-]?(?:[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)|[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? ${VALUE}(?: -?[0-9]+)?$`)
const HELP = new RegExp(`^# HELP (${NAME}) .*$`)
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)

/** The samples of an exposition; throws on the first line that breaks the format, naming it. */
export function parseExposition(text: string): Sample[] {
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a line feed')
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`
    if (line === '') continue
    const type = TYPE.exec(line)
    if (type) {
      if (types.has(type[1]!)) throw new Error(`${where}: a second TYPE for ${type[1]}`)
      types.set(type[1]!, type[2]!)
      continue
    }
    if (HELP.test(line) || (line.startsWith('#') && !line.startsWith('# HELP') && !line.startsWith('# TYPE'))) continue
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`${where}: not a sample`)
    const name = m[1]!
    const family = [name, ...['_bucket', '_sum', '_count', '_total'].filter((s) => name.endsWith(s)).map((s) => name.slice(0, -s.length))].find((f) => types.has(f))
    if (!family) throw new Error(`${where}: ${name} has no TYPE before it`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of (m[2] ?? '').matchAll(new RegExp(LABEL, 'g'))) {
      if (key! in labels) throw new Error(`${where}: label ${key} twice`)
      labels[key!] = value!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    samples.push({ name, labels, value: toFloat(m[m.length - 1]!) })
  }
  for (const [family, type] of types) if (type === 'histogram') checkHistogram(family, samples)
  return samples
}

function toFloat(text: string): number {
  if (/^nan$/i.test(text)) return Number.NaN
  const inf = /^([+-]?)inf(inity)?$/i.exec(text)
  return inf ? (inf[1] === '-' ? -Infinity : Infinity) : Number(text)
}

/** Buckets cumulative, ending at +Inf with the count, per label set. */
function checkHistogram(family: string, samples: Sample[]): void {
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort())
  const series = new Map<string, Sample[]>()
  for (const s of samples.filter((s) => s.name === `${family}_bucket`)) series.set(key(s.labels), [...(series.get(key(s.labels)) ?? []), s])
  for (const [labels, buckets] of series) {
    const values = buckets.map((b) => b.value)
    if (values.some((v, i) => i > 0 && v < values[i - 1]!)) throw new Error(`${family}${labels}: buckets are not cumulative`)
    const count = samples.find((s) => s.name === `${family}_count` && key(s.labels) === labels)
    if (buckets.at(-1)?.labels.le !== '+Inf' || buckets.at(-1)!.value !== count?.value) throw new Error(`${family}${labels}: the +Inf bucket is not the count`)
  }
}

/** The one sample of `name` whose labels include `labels`; throws when there is none or more than one. */
export function sample(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}`)
  return found[0]!
}
