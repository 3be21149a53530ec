/**
 * Builds a large text (a report page, a CSV file, a JSON document) as UTF-8 chunks of up to 64 KiB,
 * ready to send, without ever holding the whole text as one string. Each line is encoded straight
 * into the current chunk (a line that does not fit goes on in the next one), so no rope of lines
 * is built and no flat copy of it is made before encoding.
 *
 * Why chunks: a string or buffer of 128 KiB or more is a large object that V8 (or malloc) maps and
 * unmaps on its own, touching fresh pages; on machines where fresh memory is costly (virtual
 * machines that return freed pages to the host) the 33 MB text of a 10,000-window report and its
 * copy as bytes took 23,000 page faults, as much time as building it. Held as an array of separate
 * lines, every template-literal part of every line survived until the final join and was copied by
 * each young-generation GC on the way.
 *
 * @example
 * const t = new TextChunks('\n')
 * t.add('<tr>…</tr>')
 * t.add('<tr>…</tr>')
 * t.text() // '<tr>…</tr>\n<tr>…</tr>'
 * t.bytes() // [Buffer] — the same text as UTF-8, in chunks
 */

/** Bytes of the largest chunk: well below the 128 KiB at which V8 and malloc map memory of its own. */
const CHUNK_BYTES = 1 << 16
/** Bytes of the first chunk; each next one is twice as large, up to CHUNK_BYTES (a short text stays small). */
const FIRST_CHUNK_BYTES = 1 << 12

const encoder = new TextEncoder()
const EMPTY = Buffer.alloc(0)

export class TextChunks {
  private readonly chunks: Buffer[] = []
  /** The chunk being written: its bytes up to `used` are text. */
  private chunk: Buffer = EMPTY
  private used = 0
  private nextSize = FIRST_CHUNK_BYTES
  private lines = 0

  /** @param separator written between two lines */
  constructor(private readonly separator: string) {}

  /** Appends one line. */
  add(line: string): void {
    if (this.lines++ > 0 && this.separator.length > 0) this.write(this.separator)
    this.write(line)
  }

  /** Appends lines in order. */
  addAll(lines: readonly string[]): void {
    for (const l of lines) this.add(l)
  }

  /** Appends the arguments as lines, like Array#push. */
  push(...lines: string[]): void {
    for (const l of lines) this.add(l)
  }

  /** The lines joined with the separator, as UTF-8 chunks (a character is never split between two). */
  bytes(): readonly Buffer[] {
    if (this.used > 0) {
      this.chunks.push(this.chunk.subarray(0, this.used))
      this.chunk = this.chunk.subarray(this.used) // later lines go on after it
      this.used = 0
    }
    return this.chunks
  }

  /** The lines joined with the separator. */
  text(): string {
    return Buffer.concat(this.bytes()).toString('utf8')
  }

  /** Encodes `s` at the end of the current chunk, going on in new chunks while it does not fit. */
  private write(s: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8: then it surely fits.
    if (s.length * 3 <= this.chunk.length - this.used) {
      this.used += this.chunk.write(s, this.used, 'utf8')
      return
    }
    let rest = s
    while (rest.length > 0) {
      if (this.chunk.length - this.used < 4) this.nextChunk() // room for any one character
      const { read, written } = encoder.encodeInto(rest, this.chunk.subarray(this.used))
      this.used += written
      rest = read === rest.length ? '' : rest.slice(read)
      if (rest.length > 0) this.nextChunk()
    }
  }

  private nextChunk(): void {
    if (this.used > 0) this.chunks.push(this.chunk.subarray(0, this.used))
    this.chunk = Buffer.allocUnsafe(this.nextSize)
    this.nextSize = Math.min(this.nextSize * 2, CHUNK_BYTES)
    this.used = 0
  }
}
