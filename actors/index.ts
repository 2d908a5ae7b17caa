// Every actor kind of the product, as the composition root hands them to the runtime.
import type { ActorKind } from "../src/runtime/actor-kind.ts"
import { agentKind } from "./agent.ts"
import { contextKind } from "./context.ts"
import { sessionKind } from "./session.ts"
import { taskKind } from "./task.ts"

export const KINDS: ReadonlyArray<ActorKind> = [sessionKind, taskKind, agentKind, contextKind]
