/**
 * iCalendar feeds: pure rendering of maintenance windows and blackouts to text/calendar.
 *
 * @example
 * import { renderCalendarFeed } from './feeds/index.ts'
 * const body = renderCalendarFeed({ meta, windows })
 */
export { type BlackoutSeries, blackoutSeries } from './blackout-series.ts'
export {
  CANCELLED_RETENTION_DAYS,
  type CalendarFeedInput,
  type FeedBlackout,
  type FeedMeta,
  type FeedRecurrence,
  type FeedReference,
  type IcsStatus,
  blackoutUid,
  icsStatus,
  isWindowInFeed,
  renderCalendarFeed,
  renderCalendarFeedBytes,
  windowSummary,
  windowUid,
} from './calendar-feed.ts'
export {
  CRLF,
  IcsWriter,
  LONDON_TZID,
  type PropertyName,
  type PropertyParams,
  type TimeMode,
  contentLine,
  dateTimeLine,
  escapeText,
  escapeTextList,
  foldLine,
  formatLondonWallTime,
  formatUtcDateTime,
  isAmbiguousLondonWallTime,
  isIcsDuration,
  londonOffsetMinutes,
  paramValue,
  textLine,
} from './ics-writer.ts'
export { vtimezoneLines } from './vtimezone.ts'
