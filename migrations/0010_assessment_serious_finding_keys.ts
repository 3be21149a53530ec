import { type Kysely, sql } from 'kysely'

// Frozen in time: never imports application code.
// A compliance report lists as remediated every breach or objection of an earlier stored assessment
// that a window no longer has. Finding them read every stored result (55 MB of JSON text for 10,000
// windows). The keys of each assessment's breaches and objections are kept beside the result, computed
// by the database when the row is written (and here for every stored row): a report reads the keys
// and opens only the results whose findings are gone.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE assessments ADD COLUMN serious_finding_keys jsonb NOT NULL
    GENERATED ALWAYS AS (jsonb_path_query_array(result, '$.findings[*] ? (@.severity == "breach" || @.severity == "objection").key')) STORED
  `.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE assessments DROP COLUMN serious_finding_keys`.execute(db)
}
