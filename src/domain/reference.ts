/**
 * Reference data the service ships with: parties, regions and the catalogue of DCC services.
 * Migrations seed the same ids; admins extend them over the API. Ids are stable and appear in
 * every API answer, feed and report.
 *
 * @example DEFAULT_PARTIES.find(p => p.id === 'DSP')?.regions // ['N', 'C', 'S']
 */
export interface Party {
  id: string
  name: string
  /** Regions an outage of this party reaches (a DSP outage is GB-wide, a CSP outage regional). */
  regions: readonly string[]
}

export interface Region {
  id: string
  name: string
  /** Nations whose bank holidays apply to the region (working-day calendars). */
  nations: readonly Nation[]
}

export type Nation = 'england' | 'wales' | 'scotland' | 'northern-ireland'

export interface Service {
  id: string
  name: string
  description: string
  /** True when an outage of this service stops prepayment top-ups reaching meters. */
  prepayment: boolean
}

export const DEFAULT_REGIONS: readonly Region[] = [
  { id: 'N', name: 'North (Scotland and northern England)', nations: ['scotland', 'england'] },
  { id: 'C', name: 'Central (Midlands, East Anglia and Wales)', nations: ['england', 'wales'] },
  { id: 'S', name: 'South (south of England)', nations: ['england'] },
]

export const DEFAULT_PARTIES: readonly Party[] = [
  { id: 'DSP', name: 'Data Service Provider', regions: ['N', 'C', 'S'] },
  { id: 'CSP-N', name: 'Communications Service Provider North', regions: ['N'] },
  { id: 'CSP-C', name: 'Communications Service Provider Central', regions: ['C'] },
  { id: 'CSP-S', name: 'Communications Service Provider South', regions: ['S'] },
  { id: 'DCO', name: 'Dual Control Organisation', regions: ['N', 'C', 'S'] },
  { id: 'SMKI', name: 'Smart Metering Key Infrastructure', regions: ['N', 'C', 'S'] },
]

/** A catalogue entry, in the order of its fields. */
const service = (id: string, name: string, description: string, prepayment: boolean): Service => ({ id, name, description, prepayment })

export const DEFAULT_SERVICES: readonly Service[] = [
  service('service-requests', 'Service Request processing', 'DCC Data Service: Service Requests, Responses and Commands', true),
  service('prepayment-top-up', 'Prepayment top-up', 'Remote credit top-ups to prepayment meters', true),
  service('alerts', 'Alerts', 'Device and DCC Alerts to Users', false),
  service('install-and-commission', 'Install and Commission', 'Installing, commissioning and joining devices', false),
  service('firmware-updates', 'Firmware updates', 'Over-the-air firmware distribution', false),
  service('registration-data', 'Registration Data', 'Registration Data provision and updates', false),
  service('sm-wan', 'SM WAN', 'Smart Metering Wide Area Network connectivity to Communications Hubs', true),
  service('smets1-services', 'SMETS1 services', 'Services to migrated SMETS1 meters', true),
  service('smki', 'SMKI', 'Smart Metering Key Infrastructure and repository', false),
  service('self-service-interface', 'Self-Service Interface', 'DCC Self-Service Interface and Service Desk tools', false),
]

/**
 * The services an outage of each shipped party takes down, for when a slot search names none: a DSP
 * outage stops what the DSP runs (the OPSG 58 Technical Refresh windows list exactly these), a CSP
 * outage the SM WAN in its region, the DCO the SMETS1 services, SMKI its own service. A party's
 * planned windows, when there are some, take precedence (src/domain/slot-preferences.ts).
 *
 * @example DEFAULT_PARTY_SERVICES.DSP?.includes('prepayment-top-up') // true
 */
export const DEFAULT_PARTY_SERVICES: Readonly<Record<string, readonly string[]>> = {
  DSP: ['service-requests', 'prepayment-top-up', 'alerts', 'install-and-commission', 'registration-data', 'smets1-services'],
  'CSP-N': ['sm-wan'],
  'CSP-C': ['sm-wan'],
  'CSP-S': ['sm-wan'],
  DCO: ['smets1-services'],
  SMKI: ['smki'],
}
