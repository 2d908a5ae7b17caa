// Agents: capabilities, state, load against capacity (its held slots, `inflight`), success rate, breaker and the
// tasks held (the copy's tasks assigned to it or in progress there, each a link to its statechart: the router may give
// a slot to a next task without the agent, so `inflight` names each slot by the task it was reserved for), live;
// drain, resume and rotate-token buttons (the new token is shown once, as the API answers it).
import { useMemo, useState } from "preact/hooks"
import { HELD_STATUSES } from "../../../machines/task-statuses.ts"
import { describeFailure, post } from "../api.ts"
import { CommandResult, runCommand, type Outcome } from "../components/command-result.tsx"
import { StateBadge } from "../components/state-badge.tsx"
import { VirtualList } from "../components/virtual-list.tsx"
import { useFleet } from "../data/live.ts"
import type { View } from "../data/types.ts"
import { href } from "../router.ts"

const ROW_HEIGHT = 44
/** The held tasks a row names (each a link to its statechart); the rest are counted. */
const HELD_SHOWN = 3
/** The states of a task its agent holds (the machines' own set; a view's status is any string). */
const HELD: ReadonlySet<string> = HELD_STATUSES

/** The tasks each agent holds, by agent id, in the fleet's copy. */
const heldTasks = (tasks: Iterable<View>): Map<string, string[]> => {
  const held = new Map<string, string[]>()
  for (const task of tasks) {
    const agentId = task["agent_id"]
    if (typeof agentId !== "string" || !HELD.has(String(task.status))) continue
    const list = held.get(agentId)
    if (list) list.push(task.id)
    else held.set(agentId, [task.id])
  }
  return held
}

const successRate = (agent: View): string => {
  const successes = Number(agent["successes"] ?? 0)
  const failures = Number(agent["failures"] ?? 0)
  return successes + failures === 0 ? "–" : `${Math.round((successes / (successes + failures)) * 100)}%`
}

export const AgentsPage = () => {
  const fleet = useFleet()
  const [outcome, setOutcome] = useState<Outcome>()
  const [rotated, setRotated] = useState<{ name: string; token: string }>()
  const agents = useMemo(
    () =>
      [...fleet.views.agent.values()]
        .filter((agent) => agent.status !== "deregistered")
        .sort((a, b) => String(a["name"]).localeCompare(String(b["name"]))),
    [fleet.revision],
  )
  const holders = useMemo(() => heldTasks(fleet.views.task.values()), [fleet.revision])
  const rotate = async (agent: View) => {
    try {
      const answer = await post<{ token: string }>(`/api/v1/agents/${agent.id}/token`)
      setRotated({ name: String(agent["name"]), token: answer.token })
      setOutcome({ ok: true, text: `token of ${String(agent["name"])} rotated: the old one stopped working` })
    } catch (error) {
      setOutcome({ ok: false, text: `refused: ${describeFailure(error)}` })
    }
  }
  return (
    <section aria-labelledby="agents-title">
      <h1 id="agents-title">Agents</h1>
      <CommandResult outcome={outcome} />
      {rotated ? (
        <p class="secret" role="status">
          New token of {rotated.name} (shown once): <code data-testid="rotated-token">{rotated.token}</code>{" "}
          <button type="button" onClick={() => setRotated(undefined)}>
            Hide
          </button>
        </p>
      ) : null}
      <VirtualList
        items={agents}
        rowHeight={ROW_HEIGHT}
        height={Math.min(600, Math.max(ROW_HEIGHT, agents.length * ROW_HEIGHT))}
        label="Agents"
        columns={["Name", "State", "Capabilities", "Load", "Success", "Breaker", "Tasks held", "Actions"]}
        rowClass="agents-row"
        rowTestId={(agent) => `agent-${String(agent["name"])}`}
        row={(agent) => {
          const held = ((agent["inflight"] ?? []) as string[]).length
          const holding = holders.get(agent.id) ?? []
          const name = String(agent["name"])
          return (
            <>
              <span role="cell">
                <a href={href("statecharts", "agent", agent.id)}>{name}</a>
              </span>
              <span role="cell">
                <StateBadge state={agent.status} />
              </span>
              <span role="cell">{((agent["capabilities"] ?? []) as string[]).join(", ")}</span>
              <span role="cell">
                <meter
                  min={0}
                  max={Number(agent["max_concurrency"] ?? 1)}
                  value={held}
                  aria-label={`${held} of ${String(agent["max_concurrency"])} tasks held`}
                />{" "}
                {held}/{String(agent["max_concurrency"])}
              </span>
              <span role="cell">{successRate(agent)}</span>
              <span role="cell">
                <StateBadge state={`breaker-${String(agent["breaker"])}`} />
              </span>
              <span role="cell" class="held-tasks">
                {holding.slice(0, HELD_SHOWN).map((taskId) => (
                  <a key={taskId} href={href("statecharts", "task", taskId)} title={taskId}>
                    {String(fleet.views.task.get(taskId)?.["title"] ?? taskId.slice(0, 8))}
                  </a>
                ))}
                {holding.length > HELD_SHOWN ? ` +${holding.length - HELD_SHOWN}` : null}
              </span>
              <span role="cell" class="row-actions">
                <button
                  type="button"
                  aria-label={`Drain ${name}`}
                  onClick={async () => setOutcome(await runCommand(`/api/v1/agents/${agent.id}/drain`))}
                >
                  Drain
                </button>
                <button
                  type="button"
                  aria-label={`Resume ${name}`}
                  onClick={async () => setOutcome(await runCommand(`/api/v1/agents/${agent.id}/resume`))}
                >
                  Resume
                </button>
                <button type="button" aria-label={`Rotate token of ${name}`} onClick={() => void rotate(agent)}>
                  Rotate token
                </button>
              </span>
            </>
          )
        }}
      />
    </section>
  )
}
