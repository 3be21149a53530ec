/**
 * The plan as a list, for narrow screens (the stylesheet shows it below 800 px and hides the
 * timeline there): each window's reference, local times, verdict in words and its open findings.
 */
import type { BoardData } from './board.tsx'
import { RATING_SYMBOL } from './labels.ts'
import { formatSpan } from './time.ts'
import type { Assessment, Shown } from './types.ts'

export function ListView(props: {
  data: BoardData
  ratingOf: (id: string) => Shown
  assessmentOf: (id: string) => Assessment | undefined
  onSelect: (id: string) => void
}) {
  const windows = [...props.data.windows].sort((a, b) => a.start.localeCompare(b.start) || a.reference.localeCompare(b.reference))
  return (
    <section class="list-view" aria-label="Windows as a list">
      <h2>Windows</h2>
      <ol>
        {windows.map((w) => {
          const rating = props.ratingOf(w.id)
          const codes = [
            ...new Set(
              (props.assessmentOf(w.id)?.findings ?? [])
                .filter((f) => f.severity !== 'info' && !f.waiver)
                .map((f) => `${f.certainty === 'unconfirmed' ? '?' : ''}${f.code}`),
            ),
          ]
          return (
            <li key={w.id} class={`list-item r-${rating}`} data-list-ref={w.reference} data-list-id={w.id}>
              <button type="button" onClick={() => props.onSelect(w.id)}>
                <span class="sym" aria-hidden="true">
                  {RATING_SYMBOL[rating]}
                </span>{' '}
                <strong>{w.reference}</strong> ({w.party}) {formatSpan(Date.parse(w.start), Date.parse(w.end))}: <span>{rating}</span>
              </button>
              {codes.length > 0 && <p class="codes">{codes.join(', ')}</p>}
            </li>
          )
        })}
      </ol>
    </section>
  )
}
