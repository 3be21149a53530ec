/**
 * Builds a large text (a report page, a CSV file) from many lines without making the garbage
 * collector copy them: lines are appended to a rope, and every CHUNK characters the rope is flattened
 * into one string. A string that large lives in V8's large-object space, which the young-generation
 * GC never copies, and the rope's small parts die young. Joining the chunks at the end is a plain
 * copy. Held as an array of separate lines, every template-literal part of every line survived
 * until the final join and was copied (twice) by each young-generation GC on the way.
 *
 * @example
 * const t = new TextChunks('\n')
 * t.add('<tr>…</tr>')
 * t.text() // lines joined with '\n'
 */
import { flat } from '../domain/rules/types.ts'

/** Characters per flattened chunk (≥ 128 KiB: a large object, one- or two-byte). */
const CHUNK = 1 << 17

export class TextChunks {
  private readonly chunks: string[] = []
  private pending = ''
  private lines = 0

  /** @param separator written between two lines */
  constructor(private readonly separator: string) {}

  /** Appends one line. */
  add(line: string): void {
    this.pending = this.lines++ === 0 ? line : `${this.pending}${this.separator}${line}`
    if (this.pending.length >= CHUNK) {
      this.chunks.push(flat(this.pending))
      this.pending = ''
      this.lines = 0
    }
  }

  /** Appends lines in order. */
  addAll(lines: readonly string[]): void {
    for (const l of lines) this.add(l)
  }

  /** Appends the arguments as lines, like Array#push. */
  push(...lines: string[]): void {
    for (const l of lines) this.add(l)
  }

  /** The lines joined with the separator. */
  text(): string {
    const parts = this.lines > 0 ? [...this.chunks, this.pending] : this.chunks
    return parts.join(this.separator)
  }
}
