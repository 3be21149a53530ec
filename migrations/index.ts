import type { Migration } from 'kysely'
import * as m0001 from './0001_init.ts'
import * as m0002 from './0002_compliance.ts'
import * as m0003 from './0003_webhooks.ts'
import * as m0004 from './0004_audit.ts'
import * as m0006 from './0006_change_notifications.ts'
import * as m0007 from './0007_feed_change_notifications.ts'
import * as m0008 from './0008_audit_append_function.ts'
import * as m0009 from './0009_report_change_notifications.ts'
import * as m0010 from './0010_assessment_serious_finding_keys.ts'
import * as m0011 from './0011_change_notification_rows.ts'

/** Every migration, in order. Add new files here; never edit a merged one. */
export const migrations: Record<string, Migration> = {
  '0001_init': m0001,
  '0002_compliance': m0002,
  '0003_webhooks': m0003,
  '0004_audit': m0004,
  '0006_change_notifications': m0006,
  '0007_feed_change_notifications': m0007,
  '0008_audit_append_function': m0008,
  '0009_report_change_notifications': m0009,
  '0010_assessment_serious_finding_keys': m0010,
  '0011_change_notification_rows': m0011,
}
