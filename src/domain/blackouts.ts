/**
 * Blackout layers, one module per responsibility under ./blackouts/: what a layer is and whom it
 * applies to (layer.ts), checking an operator's layer (validate-layer.ts), the layers a ruleset
 * implies (default-layers.ts), expanding a layer's periods (expand.ts), matching windows against
 * them (prepared.ts) and the state at an instant (state.ts).
 *
 * @example
 * const layers = defaultBlackoutLayers(DEFAULT_RULESET)
 * blackoutStateAt(layers, new Date('2021-11-14T00:00:00Z'), { calendars: buildCalendars() }).active.map(a => a.id)
 * // ['winter', 'november-top-up']
 */
export * from './blackouts/default-layers.ts'
export * from './blackouts/expand.ts'
export * from './blackouts/layer.ts'
export * from './blackouts/prepared.ts'
export * from './blackouts/state.ts'
export * from './blackouts/validate-layer.ts'
