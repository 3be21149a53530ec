// The create scenario's load generator, run in its own process like the autocannon command line:
// autocannon's API, because each request needs its own window (a new day from 2030 on, so that each
// month holds a month's worth of windows, not every create of the run at the same hour). Prints
// autocannon's result as JSON on the last line, as `autocannon -j` does.
//
//   node bench/create-load.mjs KEY CONNECTIONS SECONDS URL
import autocannon from 'autocannon'

const [key, connections, seconds, url] = process.argv.slice(2)
let n = 0
const windowBody = () => {
  const i = n++
  const start = Date.UTC(2030, 0, 1) + i * 86_400_000 + (i % 6) * 3_600_000
  return JSON.stringify({
    reference: `C-${process.pid}-${i}`,
    title: 'Bench create',
    party: 'DSP',
    impact: 'outage',
    services: ['service-requests'],
    regions: ['N', 'C', 'S'],
    riskToService: 'low',
    start: new Date(start).toISOString(),
    end: new Date(start + 4 * 3_600_000).toISOString(),
  })
}
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  timeout: 10,
  requests: [
    {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: windowBody() }),
    },
  ],
})
console.log(JSON.stringify(result))
