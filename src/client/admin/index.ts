// The admin client: `createAdmin({url, token})` is a typed method for every HTTP route of
// docs/protocol.md, grouped as the API is. Errors are ClawbotError (code, message, ref, status); a
// 429 is retried after its Retry-After a few times; bodies are checked with the server's Schemas first.
import { requester, type HttpOptions } from "../http.ts"
import { agentsApi } from "./agents.ts"
import { contextsApi, groupsApi } from "./coordination.ts"
import { actorsApi, machinesApi } from "./inspect.ts"
import { deadLettersApi, probesApi, viewerTokensApi } from "./operations.ts"
import { sessionsApi, workflowsApi } from "./sessions.ts"
import { tasksApi } from "./tasks.ts"

export function createAdmin(options: HttpOptions) {
  const t = { request: requester(options) }
  return {
    agents: agentsApi(t),
    sessions: sessionsApi(t),
    workflows: workflowsApi(t),
    tasks: tasksApi(t),
    groups: groupsApi(t),
    contexts: contextsApi(t),
    machines: machinesApi(t),
    actors: actorsApi(t),
    deadLetters: deadLettersApi(t),
    viewerTokens: viewerTokensApi(t),
    ...probesApi(t),
    /** Any request, for what the methods do not cover. */
    request: t.request,
  }
}

export type Admin = ReturnType<typeof createAdmin>

export type { AgentFilters, RegisterAgent, RouteAnswer, RouteQuestion } from "./agents.ts"
export type { Context, ContextScope, CreateContext, Group } from "./coordination.ts"
export type { CommandAnswer, CommandOptions, Page, Paging } from "./core.ts"
export type { ActorFilters, HistoryOptions, MachineDefinition } from "./inspect.ts"
export type { DeadLetter, ViewerToken } from "./operations.ts"
export { SESSION_ACTIONS, type CreateSession, type CreateWorkflow, type SessionAction, type SessionFilters } from "./sessions.ts"
export { MAX_BATCH, type BatchItem, type CreateTask, type DependencyGraph, type TaskFilters } from "./tasks.ts"
