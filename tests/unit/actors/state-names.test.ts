// The Schemas name each machine's states (src/schema/ may not import machines/): this keeps
// the two lists equal, so a state added to a machine cannot be refused at the edge.
import { describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import { AgentState, ContextState, SessionState, TaskState } from "../../../src/schema/states.ts"

const schemaStates = { session: SessionState.literals, task: TaskState.literals, agent: AgentState.literals, context: ContextState.literals }

describe("state names", () => {
  for (const kind of KINDS) {
    it(`the ${kind.kind} Schema lists exactly the ${kind.kind} machine's states`, () => {
      expect([...schemaStates[kind.kind as keyof typeof schemaStates]].sort()).toEqual(Object.keys(kind.machine.root.states).sort())
    })
  }
})
