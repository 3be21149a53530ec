/**
 * A document as JSON, in UTF-8 chunks: the same text as `JSON.stringify(value)`, written one
 * top-level field and one element of each long list at a time, so that no 33 MB string (and no
 * 33 MB copy of it as bytes) is ever built for a 10,000-window report or `mwp check` result (see
 * TextChunks). `mwp check --format json` of 10,000 windows, 8 Dec 2026, one string against chunks:
 * peak memory 550 MB against 310 MB, and 129 % against 111 % of the time before #20 (bench/RESULTS.md).
 *
 * @example
 * Buffer.concat(renderJson(report).bytes()).toString() === JSON.stringify(report) // true
 */
import { TextChunks } from './text-chunks.ts'

/** Lists longer than this are written element by element. */
const WHOLE_LIST_MAX = 64

export function renderJson(value: object): TextChunks {
  const out = new TextChunks('')
  writeObject(out, value as Record<string, unknown>)
  return out
}

/** Writes a plain object as JSON.stringify would: own enumerable keys in order, undefined values left out. */
function writeObject(out: TextChunks, o: Record<string, unknown>): void {
  out.add('{')
  let first = true
  for (const key of Object.keys(o)) {
    const v = o[key]
    if (Array.isArray(v) && v.length > WHOLE_LIST_MAX) {
      out.add(`${first ? '' : ','}${JSON.stringify(key)}:`)
      writeList(out, v)
    } else {
      const text = JSON.stringify(v)
      if (text === undefined) continue // undefined, a function or a symbol: not written
      out.add(`${first ? '' : ','}${JSON.stringify(key)}:${text}`)
    }
    first = false
  }
  out.add('}')
}

/** Writes a list element by element (an element JSON cannot hold is null, as in JSON.stringify). */
function writeList(out: TextChunks, xs: readonly unknown[]): void {
  out.add('[')
  for (let i = 0; i < xs.length; i++) out.add(`${i === 0 ? '' : ','}${JSON.stringify(xs[i]) ?? 'null'}`)
  out.add(']')
}
