// tap's `before` script: build the migrated template database once for the whole run.
import { buildTemplate } from './databases.ts'

const t0 = performance.now()
const what = await buildTemplate()
console.log(`# ${what} in ${Math.round(performance.now() - t0)} ms (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'})`)
