// Effect Schemas of every boundary: shared primitives, the input rules, errors, inbox commands, published events,
// WebSocket frames and HTTP bodies / query strings. Import from here.
export * from "./common.ts"
export * from "./states.ts"
export * from "./wire.ts"
export * from "./dag.ts"
export * from "./input.ts"
export * from "./errors.ts"
export * from "./commands.ts"
export * from "./events.ts"
export * from "./frames.ts"
export * from "./http.ts"
