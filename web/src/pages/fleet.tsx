// Fleet: live counts by state of sessions, tasks and agents (from the server's totals, then kept as
// events apply; quarantined actors, left out of the lists, counted apart), and one-minute charts of transitions/s, inbox lag (entries waiting in the inboxes,
// from the `fleet` topic), connected bots and dead letters (from the `fleet` topic too).
import { Sparkline } from "../components/sparkline.tsx"
import { StateBadge } from "../components/state-badge.tsx"
import { useFleet } from "../data/live.ts"
import { useMachines } from "../data/machines.ts"
import { KINDS, type Kind } from "../data/types.ts"
import { href } from "../router.ts"

const TITLES: Readonly<Record<Kind, string>> = { session: "Sessions", task: "Tasks", agent: "Agents" }

export const FleetPage = () => {
  const fleet = useFleet()
  const machines = useMachines()
  const oldest = fleet.samples.figures?.oldest_entry_age_ms
  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      {!fleet.loaded ? (
        <p class="hint">
          {fleet.countingTotals ? "Reading every actor (counts from the server's totals meanwhile)…" : "Loading the fleet…"}
          {fleet.loadError ? ` (${fleet.loadError}; trying again)` : ""}
        </p>
      ) : null}
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
                  {fleet.quarantined[kind] > 0 ? (
                    <tr data-testid={`count-${kind}-quarantined`} class="quarantined">
                      <th
                        scope="row"
                        title="Stored snapshots this build cannot bring up: left out of the lists (GET /api/v1/actors?quarantined=1 lists them)"
                      >
                        quarantined
                      </th>
                      <td class="num">{fleet.quarantined[kind].toLocaleString()}</td>
                      <td class="bar-cell" aria-hidden="true" />
                    </tr>
                  ) : null}
                </tbody>
              </table>
            </section>
          )
        })}
      </div>
      <div class="charts">
        <Sparkline label="transitions/s" values={fleet.samples.transitions} />
        <Sparkline label="inbox lag" values={fleet.samples.inboxEntries} unit=" entries">
          <span class="hint" data-testid="oldest-entry">
            {oldest === undefined || oldest === null ? "none waiting" : `oldest waiting ${oldest.toLocaleString()} ms`}
          </span>
        </Sparkline>
        <Sparkline label="connected bots" values={fleet.samples.connected} />
        <Sparkline label="dead letters" values={fleet.samples.deadLetters}>
          <a href={href("dead-letters")}>Open dead letters</a>
        </Sparkline>
      </div>
    </section>
  )
}
