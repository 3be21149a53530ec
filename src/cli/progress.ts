/**
 * A minimal progress bar for a terminal (stderr), redrawn at most ten times a second; on anything
 * that is not a TTY it stays silent. A stopgap until a maintained library (cli-progress) is added.
 *
 * @example
 * const bar = progressBar(process.stderr, 10_000, 'import')
 * bar.tick(); bar.done()
 */
export interface ProgressBar {
  tick(n?: number): void
  done(): void
}

export function progressBar(stream: NodeJS.WriteStream, total: number, label: string): ProgressBar {
  if (!stream.isTTY || total === 0) return { tick() {}, done() {} }
  let count = 0
  let last = 0
  const started = Date.now()
  const draw = () => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50))
    const ratio = Math.min(1, count / total)
    const filled = Math.round(ratio * width)
    const secs = (Date.now() - started) / 1000
    const rate = secs > 0 ? Math.round(count / secs) : 0
    stream.write(`\r${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${count}/${total} ${Math.round(ratio * 100)}% ${rate}/s `)
  }
  return {
    tick(n = 1) {
      count += n
      const now = Date.now()
      if (now - last >= 100 || count >= total) {
        last = now
        draw()
      }
    },
    done() {
      draw()
      stream.write('\n')
    },
  }
}
