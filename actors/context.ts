// Context actor binding: a context causes nothing in other actors (its expiry timer is the runtime's);
// its changes stream on `contexts` and `context:{id}`. No query column: a session context's transitions
// stay out of its session's timeline (which `session_id` would put them in).
import { contextMachine, type ContextContext } from "../machines/context.ts"
import { contextView } from "./views.ts"
import { StoredContextContext } from "./stored-contexts.ts"
import type { ActorKind } from "../src/runtime/actor-kind.ts"

export const contextKind: ActorKind = {
  kind: "context",
  machine: contextMachine,
  context: StoredContextContext,
  createType: "CREATE",
  outputs: () => [],
  topics: (id) => ["contexts", `context:${id}`],
  columns: () => ({}),
  view: (id, context, state) => contextView(id, context as ContextContext, state),
}
