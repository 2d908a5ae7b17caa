// Sessions: the live list (state, progress, health, age), filtered by state and by title or id,
// newest first, virtualised so 10,000 sessions scroll like ten.
import { useMemo, useState } from "preact/hooks"
import { age } from "../components/age.ts"
import { StateBadge } from "../components/state-badge.tsx"
import { VirtualList } from "../components/virtual-list.tsx"
import { useFleet } from "../data/live.ts"
import { useMachines } from "../data/machines.ts"
import type { View } from "../data/types.ts"
import { href } from "../router.ts"

/** Completed tasks out of all, from the session's `task_counts`. */
export const progressOf = (session: View): { done: number; total: number } => {
  const counts = (session["task_counts"] ?? {}) as Record<string, number>
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  return { done: counts["completed"] ?? 0, total }
}

const ROW_HEIGHT = 40

export const SessionsPage = () => {
  const fleet = useFleet()
  const machines = useMachines()
  const [state, setState] = useState("")
  const [search, setSearch] = useState("")
  const sessions = fleet.views.session
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase()
    const list: View[] = []
    for (const session of sessions.values()) {
      if (state !== "" && session.status !== state) continue
      if (needle !== "" && !String(session["title"]).toLowerCase().includes(needle) && !session.id.includes(needle)) continue
      list.push(session)
    }
    return list.sort((a, b) => String(b["created_at"]).localeCompare(String(a["created_at"])))
  }, [fleet.revision, state, search])
  const now = Date.now()
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <div class="filters">
        <label>
          State{" "}
          <select value={state} onChange={(event) => setState(event.currentTarget.value)}>
            <option value="">any</option>
            {Object.keys(machines?.session.states ?? {}).map((name) => (
              <option value={name}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Title or id <input type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
        </label>
        <span class="hint" role="status">
          {shown.length.toLocaleString()} of {sessions.size.toLocaleString()}
        </span>
      </div>
      <VirtualList
        items={shown}
        rowHeight={ROW_HEIGHT}
        height={Math.min(600, Math.max(ROW_HEIGHT, shown.length * ROW_HEIGHT))}
        label="Sessions"
        columns={["Title", "State", "Progress", "Health", "Age"]}
        row={(session) => {
          const { done, total } = progressOf(session)
          return (
            <>
              <span role="cell">
                <a href={href("sessions", session.id)}>{String(session["title"])}</a>
              </span>
              <span role="cell">
                <StateBadge state={session.status} />
              </span>
              <span role="cell">
                <progress max={Math.max(1, total)} value={done} aria-label={`${done} of ${total} tasks completed`} /> {done}/{total}
              </span>
              <span role="cell">{String(session["health"] ?? "–")}</span>
              <span role="cell">{age(session["created_at"], now)}</span>
            </>
          )
        }}
      />
    </section>
  )
}
