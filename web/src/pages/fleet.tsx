// Fleet: live counts by state of sessions, tasks and agents, and charts of transitions/s, event lag
// (how old each transition is when it reaches this page) and connected bots; the dead letters' count,
// read when the page opens, then kept live by the totals the `dead_letters` topic brings.
import { useEffect, useState } from "preact/hooks"
import { describeFailure, get } from "../api.ts"
import { Sparkline } from "../components/sparkline.tsx"
import { StateBadge } from "../components/state-badge.tsx"
import { onDeadLetters, useFleet } from "../data/live.ts"
import { useMachines } from "../data/machines.ts"
import { KINDS, type Kind } from "../data/types.ts"
import { href } from "../router.ts"

const TITLES: Readonly<Record<Kind, string>> = { session: "Sessions", task: "Tasks", agent: "Agents" }

/** The dead letters' count: read when the page opens, then each total announced live (which wins over a read
 * still on its way). */
const useDeadLetterCount = () => {
  const [count, setCount] = useState<{ value?: number; note?: string; live?: boolean }>({})
  useEffect(() => {
    get<{ items: unknown[]; next_cursor: string | null }>("/api/v1/dead-letters?limit=200").then(
      (page) =>
        setCount((current) =>
          current.live ? current : { value: page.items.length, ...(page.next_cursor === null ? {} : { note: "200 or more" }) },
        ),
      (error: unknown) => setCount((current) => (current.live ? current : { note: describeFailure(error) })),
    )
    return onDeadLetters((total) => setCount({ value: total, live: true }))
  }, [])
  return count
}

export const FleetPage = () => {
  const fleet = useFleet()
  const machines = useMachines()
  const dead = useDeadLetterCount()
  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      {!fleet.loaded ? <p class="hint">Loading the fleet…{fleet.loadError ? ` (${fleet.loadError}; trying again)` : ""}</p> : null}
      <div class="kinds">
        {KINDS.map((kind) => {
          const counts = fleet.counts[kind]
          const states = Object.keys(machines?.[kind]?.states ?? {})
          const total = [...counts.values()].reduce((a, b) => a + b, 0)
          return (
            <section class="card" aria-labelledby={`count-${kind}`}>
              <h2 id={`count-${kind}`}>
                {TITLES[kind]}{" "}
                <span class="total" data-testid={`total-${kind}`}>
                  {total.toLocaleString()}
                </span>
              </h2>
              <table class="counts">
                <caption class="sr-only">{TITLES[kind]} by state</caption>
                <tbody>
                  {(states.length > 0 ? states : [...counts.keys()]).map((state) => {
                    const count = counts.get(state) ?? 0
                    return (
                      <tr data-testid={`count-${kind}-${state}`}>
                        <th scope="row">
                          <StateBadge state={state} />
                        </th>
                        <td class="num">{count.toLocaleString()}</td>
                        <td class="bar-cell" aria-hidden="true">
                          <span class={`bar state-${state}`} style={{ width: `${total === 0 ? 0 : (count / total) * 100}%` }} />
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </section>
          )
        })}
      </div>
      <div class="charts">
        <Sparkline label="transitions/s" values={fleet.samples.transitions} />
        <Sparkline label="event lag" values={fleet.samples.lagMs} unit=" ms" />
        <Sparkline label="connected bots" values={fleet.samples.connected} />
        <figure class="chart">
          <figcaption>
            dead letters <strong data-testid="metric-dead letters">{dead.value ?? "–"}</strong>{" "}
            {dead.note ? <span class="hint">({dead.note})</span> : null}
          </figcaption>
          <a href={href("dead-letters")}>Open dead letters</a>
        </figure>
      </div>
    </section>
  )
}
