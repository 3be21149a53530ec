import cliProgress from 'cli-progress'

/**
 * A progress bar on a terminal (stderr), drawn by cli-progress at most ten times a second; on
 * anything that is not a TTY (a pipe, a CI log) it stays silent, and so does an empty job.
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
  const bar = new cliProgress.SingleBar({
    stream,
    fps: 10,
    barsize: Math.max(10, Math.min(40, (stream.columns ?? 80) - 50)),
    format: `${label} [{bar}] {value}/{total} {percentage}% {rate}/s`,
    barCompleteChar: '█',
    barIncompleteChar: '░',
  })
  const started = Date.now()
  let count = 0
  const rate = () => {
    const secs = (Date.now() - started) / 1000
    return { rate: secs > 0 ? Math.round(count / secs) : 0 }
  }
  bar.start(total, 0, rate())
  return {
    tick(n = 1) {
      count += n
      bar.increment(n, rate())
    },
    done() {
      bar.update(count, rate())
      bar.stop()
    },
  }
}
