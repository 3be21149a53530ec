/**
 * Finding keys and messages stored as slices of a few large flat strings.
 *
 * What it buys, measured: kept with the other speed machinery (sort-windows.ts, the collector's key
 * tails): without all of it the 10,000-window engine benchmark was 40-60 % slower than ad86e94,
 * alternating on our shared 2-core machine (7 Dec 2026); the chunks' own share was not separable there.
 *
 * Each string handed to `add` is appended to a chunk of up to CHUNK_CHARS characters; when the chunk
 * is full it is flattened once and every string in it is replaced by a slice of it (a small
 * fixed-size object). Tens of thousands of separate strings (and the rope parts they are built from)
 * would otherwise be copied by every young-generation GC while the assessment lives.
 * A slice has its chunk's width: one character beyond Latin-1 (an en dash) makes a whole chunk
 * two-byte, so strings that may hold one go to a chunk of their own (`wide`).
 *
 * @example
 * const chunks = new MessageChunks()
 * chunks.add(f, 'message', 'DSP-TR-01: notified 2021-10-05; …', false)
 * chunks.flush() // f.message is now a slice of one flat string, with the same value
 */
import type { Finding } from './findings.ts'

/** Characters per chunk: 32 Ki, an ordinary young-generation object (not a large-object-space one). */
const CHUNK_CHARS = 1 << 15

class Chunk {
  private text = ''
  private readonly findings: Finding[] = []
  private readonly fields: ('key' | 'message')[] = []
  private readonly lengths: number[] = []

  add(f: Finding, field: 'key' | 'message', s: string): void {
    this.findings.push(f)
    this.fields.push(field)
    this.lengths.push(s.length)
    this.text = `${this.text}${s}`
    if (this.text.length >= CHUNK_CHARS) this.flush()
  }

  flush(): void {
    const text = flatten(this.text)
    let at = 0
    this.findings.forEach((f, i) => {
      const end = at + this.lengths[i]!
      f[this.fields[i]!] = text.slice(at, end)
      at = end
    })
    this.findings.length = 0
    this.fields.length = 0
    this.lengths.length = 0
    this.text = ''
  }
}

/** Two chunk streams: one-byte text, and text that may hold characters beyond Latin-1. */
export class MessageChunks {
  private readonly narrow = new Chunk()
  private readonly wide = new Chunk()

  /** Sets `f[field]` to `s` (as a slice, from the next flush on; until then the field keeps its value). */
  add(f: Finding, field: 'key' | 'message', s: string, mayBeWide: boolean): void {
    ;(mayBeWide ? this.wide : this.narrow).add(f, field, s)
  }

  flush(): void {
    this.narrow.flush()
    this.wide.flush()
  }
}

/** `s` flattened in place (a number conversion makes V8 flatten a rope); the value is unchanged. */
function flatten(s: string): string {
  sink ^= Number(s)
  return s
}
let sink = 0
