/**
 * iCalendar feeds: pure rendering of maintenance windows and blackouts to text/calendar.
 *
 * @example
 * import { renderCalendarFeed } from './feeds/index.ts'
 * const body = renderCalendarFeed({ meta, windows })
 */
export { blackoutSeries } from './blackout-series.ts'
export {
  CANCELLED_RETENTION_DAYS,
  type CalendarFeedInput,
  type FeedBlackout,
  type FeedMeta,
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
