// One session: its state, progress, health and checkpoints, its lifecycle buttons, its task DAG laid
// out with ELK (each task node coloured by its live state; a click opens the task's statechart) and
// its timeline (its latest transitions, live: the session's and its tasks'). The session itself is the SDK's
// mirror of it.
import { useEffect, useMemo, useState } from "preact/hooks"
import { describeFailure, get } from "../api.ts"
import { CommandResult, runCommand, type Outcome } from "../components/command-result.tsx"
import { Graph } from "../components/graph.tsx"
import { layoutGraph, type Layout } from "../components/layout.ts"
import { StateBadge } from "../components/state-badge.tsx"
import { useActorEvents, useFleet, useMirror } from "../data/live.ts"
import type { View } from "../data/types.ts"
import { href } from "../router.ts"
import { progressOf } from "./sessions.tsx"

interface SessionTask {
  readonly id: string
  readonly key: string
  readonly title: string
  readonly capability: string
  readonly depends_on: ReadonlyArray<string>
  readonly status: string
}

interface Step {
  readonly kind: string
  readonly actor_id: string
  readonly version: number
  readonly from: string | null
  readonly to: string
  readonly event: string
  readonly at: string
}

const ACTIONS = ["start", "pause", "resume", "stop", "cancel", "retry"] as const

/** The timeline shows the session's latest transitions, at most this many. */
const TIMELINE_SHOWN = 200

/** Whether a step is `step` (one actor's version), however it came (read or live). */
const sameStep =
  (step: Pick<Step, "kind" | "actor_id" | "version">) =>
  (other: Step): boolean =>
    other.kind === step.kind && other.actor_id === step.actor_id && other.version === step.version

/** The session's latest TIMELINE_SHOWN transitions: its timeline read page after page (the API answers it from the
 * first), keeping the last ones; stops early once the page is left (`left`). */
const readTimeline = async (id: string, left: () => boolean): Promise<Step[]> => {
  let steps: Step[] = []
  let cursor: string | null = null
  do {
    const query: string = cursor === null ? "" : `?cursor=${encodeURIComponent(cursor)}`
    const page: { transitions: Step[]; next_cursor: string | null } = await get(`/api/v1/sessions/${id}/timeline${query}`)
    steps = [...steps, ...page.transitions].slice(-TIMELINE_SHOWN)
    cursor = page.next_cursor
  } while (cursor !== null && !left())
  return steps
}

export const SessionPage = ({ id }: { readonly id: string }) => {
  const fleet = useFleet()
  const [loaded, setLoaded] = useState<{ session: View & { tasks: SessionTask[] } } | { error: string }>()
  const [layout, setLayout] = useState<Layout>()
  useEffect(() => setLayout(undefined), [id])
  const [timeline, setTimeline] = useState<Step[]>([])
  const [outcome, setOutcome] = useState<Outcome>()
  const mirrored = useMirror("session", id)

  useEffect(() => {
    setLoaded(undefined)
    get<View & { tasks: SessionTask[] }>(`/api/v1/sessions/${id}`).then(
      (session) => setLoaded({ session }),
      (error: unknown) => setLoaded({ error: describeFailure(error) }),
    )
    let left = false
    setTimeline([])
    readTimeline(id, () => left).then(
      // What arrived live while the pages were read, and is on none of them, comes after them.
      (read) => left || setTimeline((live) => [...read, ...live.filter((step) => !read.some(sameStep(step)))].slice(-TIMELINE_SHOWN)),
      () => undefined,
    )
    return () => {
      left = true
    }
  }, [id])

  // The session's tasks as read, and any created since (the runtime creates them after the session).
  const read = loaded && "session" in loaded ? loaded.session.tasks : undefined
  const tasks = useMemo(() => {
    const byId = new Map((read ?? []).map((task) => [task.id, task]))
    for (const view of fleet.views.task.values()) {
      if (view["session_id"] !== id || byId.has(view.id)) continue
      byId.set(view.id, {
        id: view.id,
        key: String(view["key"]),
        title: String(view["title"]),
        capability: String(view["capability"]),
        depends_on: (view["depends_on"] ?? []) as string[],
        status: view.status,
      })
    }
    return [...byId.values()].sort((a, b) => a.key.localeCompare(b.key))
  }, [fleet.revision, read, id])
  const shape = tasks.map((task) => `${task.id}<${task.depends_on.join(",")}`).join(";")
  useEffect(() => {
    if (tasks.length === 0) return
    const known = new Set(tasks.map((task) => task.id))
    void layoutGraph(
      tasks.map((task) => ({ id: task.id, label: task.key })),
      tasks.flatMap((task) =>
        task.depends_on.filter((from) => known.has(from)).map((from) => ({ id: `${from}>${task.id}`, source: from, target: task.id })),
      ),
      "RIGHT",
    ).then(setLayout, () => undefined)
  }, [shape])
  const taskIds = useMemo(() => new Set(tasks.map((task) => task.id)), [tasks])
  const keys = useMemo(() => new Map(tasks.map((task) => [task.id, task.key])), [tasks])
  useActorEvents(
    (event) => {
      if ((event.kind === "session" && event.actor_id === id) || (event.kind === "task" && taskIds.has(event.actor_id))) {
        setTimeline((steps) => (steps.some(sameStep(event)) ? steps : [...steps, event].slice(-TIMELINE_SHOWN)))
      }
    },
    [id, taskIds],
  )

  if (loaded === undefined) return <p class="hint">Loading session {id}…</p>
  if ("error" in loaded)
    return (
      <p role="alert" class="error">
        {loaded.error}
      </p>
    )
  const session = mirrored ?? fleet.view("session", id) ?? loaded.session
  const { done, total } = progressOf(session)
  const statusOf = (taskId: string) => fleet.view("task", taskId)?.status ?? tasks.find((task) => task.id === taskId)?.status ?? "unknown"

  return (
    <section aria-labelledby="session-title">
      <p>
        <a href={href("sessions")}>← Sessions</a>
      </p>
      <h1 id="session-title">
        {String(session["title"])} <StateBadge state={session.status} />
      </h1>
      <dl class="facts">
        <dt>Progress</dt>
        <dd>
          {done}/{total} tasks completed
        </dd>
        <dt>Health</dt>
        <dd>{String(session["health"] ?? "–")}</dd>
        <dt>Checkpoints</dt>
        <dd>{String(session["checkpoints"] ?? 0)}</dd>
        <dt>Retries</dt>
        <dd>{String(session["retries"] ?? 0)}</dd>
        <dt>Version</dt>
        <dd>{session.version}</dd>
        <dt>Statechart</dt>
        <dd>
          <a href={href("statecharts", "session", id)}>inspect this session</a>
        </dd>
      </dl>
      <div class="actions" role="group" aria-label="Session lifecycle">
        {ACTIONS.map((action) => (
          <button type="button" onClick={async () => setOutcome(await runCommand(`/api/v1/sessions/${id}/${action}`))}>
            {action[0]!.toUpperCase() + action.slice(1)}
          </button>
        ))}
      </div>
      <CommandResult outcome={outcome} />
      <h2>Tasks</h2>
      <div class="graph-box" role="region" aria-label="Graph" tabIndex={0}>
        {layout === undefined ? (
          <p class="hint">{tasks.length === 0 ? "This session has no tasks." : "Laying out the DAG…"}</p>
        ) : (
          <Graph
            layout={layout}
            title="Task dependency graph"
            nodeClass={(node) => `state-${statusOf(node.id)}`}
            nodeLabel={(node) => `task ${node.label}: ${statusOf(node.id)}`}
            onNode={(node) => (window.location.hash = href("statecharts", "task", node.id))}
          />
        )}
      </div>
      <h2>Timeline</h2>
      <ol class="timeline" aria-label="Timeline" tabIndex={0}>
        {timeline.map((step) => (
          <li>
            <time dateTime={step.at}>{new Date(step.at).toLocaleTimeString()}</time>{" "}
            {step.kind === "task" ? `task ${keys.get(step.actor_id) ?? step.actor_id}` : "session"} {step.from ?? "∅"} →{" "}
            <StateBadge state={step.to} /> <code>{step.event}</code>
          </li>
        ))}
      </ol>
    </section>
  )
}
