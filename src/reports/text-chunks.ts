/**
 * Builds a large text (a report page, a CSV file, a JSON document) as UTF-8 chunks of about 32 KiB,
 * ready to send, without ever holding the whole text as one string. Lines are appended to a rope;
 * every CHUNK characters the rope is encoded into one Buffer and its parts die young.
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

/** Characters per chunk: well below V8's 128 KiB large-object threshold, one- or two-byte. */
const CHUNK = 1 << 15

export class TextChunks {
  private readonly chunks: Buffer[] = []
  private pending = ''
  private lines = 0

  /** @param separator written between two lines */
  constructor(private readonly separator: string) {}

  /** Appends one line. */
  add(line: string): void {
    this.pending = this.lines++ === 0 ? line : `${this.pending}${this.separator}${line}`
    if (this.pending.length >= CHUNK) this.flush()
  }

  /** Appends lines in order. */
  addAll(lines: readonly string[]): void {
    for (const l of lines) this.add(l)
  }

  /** Appends the arguments as lines, like Array#push. */
  push(...lines: string[]): void {
    for (const l of lines) this.add(l)
  }

  /** The lines joined with the separator, as UTF-8 chunks (each holds whole lines; a later chunk starts with the separator). */
  bytes(): readonly Buffer[] {
    this.flush()
    return this.chunks
  }

  /** The lines joined with the separator. */
  text(): string {
    return Buffer.concat(this.bytes()).toString('utf8')
  }

  private flush(): void {
    if (this.pending.length === 0) return
    this.chunks.push(Buffer.from(this.pending, 'utf8'))
    this.pending = ''
  }
}
