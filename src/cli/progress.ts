/**
 * A logger for snarkjs's long operations that turns its "…: 1024/12636" messages into one
 * progress bar line on a terminal, and into plain lines (every 10%) when output is a file or
 * a pipe. Other messages print as they come.
 */
export function progressLogger(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let lastPercent = -10
  let lastStage = ''
  const draw = (stage: string, done: number, total: number) => {
    const percent = Math.floor((100 * done) / total)
    if (stream.isTTY) {
      const width = 30
      const filled = Math.round((width * done) / total)
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${stage}`.padEnd(100).slice(0, 100))
    } else if (stage !== lastStage || percent >= lastPercent + 10) {
      stream.write(`${label}: ${stage} ${percent}%\n`)
      lastPercent = percent
    }
    lastStage = stage
  }
  const message = (m: string) => {
    const match = /^(.*?):?\s*(\d+)\/(\d+)\s*$/.exec(m)
    if (match && Number(match[3]) > 0) return draw(match[1]!.trim(), Number(match[2]), Number(match[3]))
    if (stream.isTTY && lastStage) stream.write('\n')
    lastStage = ''
    stream.write(`${label}: ${m}\n`)
  }
  return { info: message, debug: message, warn: message, error: message, done: () => stream.isTTY && lastStage && stream.write('\n') }
}
