// Statecharts: each machine drawn from `GET /machines` (states, final states, transitions labelled
// with event and guard). Open an actor (by id, or from any page) to see its current state lit, live,
// each transition flash as it happens, a time slider over its history (state, the view rebuilt from
// the patches, and the diff from the version before), and the events leaving its current state as
// buttons that send them (`POST /actors/{kind}/{id}/events`), with the machine's refusal shown.
import { useEffect, useMemo, useState } from "preact/hooks"
import { describeFailure, get } from "../api.ts"
import { CommandResult, runCommand, type Outcome } from "../components/command-result.tsx"
import { Graph } from "../components/graph.tsx"
import { layoutGraph, type Layout } from "../components/layout.ts"
import { StateBadge } from "../components/state-badge.tsx"
import { useActorEvents, useFleet, useMirror } from "../data/live.ts"
import { ANY_STATE, drawnTransitions, eventsLeaving, transitionLabel, useMachines } from "../data/machines.ts"
import { applyPatch } from "../data/merge-patch.ts"
import { KINDS, type HistoryEntry, type Json, type Kind, type MachineDescription } from "../data/types.ts"
import { href } from "../router.ts"

const layouts = new Map<Kind, Promise<Layout>>()
const machineLayout = (kind: Kind, machine: MachineDescription): Promise<Layout> => {
  let layout = layouts.get(kind)
  if (layout === undefined) {
    const transitions = drawnTransitions(machine)
    const states = Object.keys(machine.states ?? {})
    const anyUsed = transitions.some((transition) => transition.source === ANY_STATE)
    layout = layoutGraph(
      [...(anyUsed ? [{ id: ANY_STATE, label: ANY_STATE }] : []), ...states.map((state) => ({ id: state, label: state }))],
      transitions.map((transition, index) => ({
        id: `${transition.source}|${transition.event}|${transition.targetState}|${index}`,
        source: transition.source,
        target: transition.targetState,
        label: transitionLabel(transition),
      })),
      "DOWN",
    )
    layouts.set(kind, layout)
  }
  return layout
}

const HISTORY_PAGE = 1000

const readHistory = async (kind: Kind, id: string): Promise<HistoryEntry[]> => {
  const entries: HistoryEntry[] = []
  for (;;) {
    const after = entries.at(-1)?.version ?? 0
    const page = await get<{ transitions: HistoryEntry[] }>(
      `/api/v1/actors/${kind}/${id}/history?after_version=${after}&limit=${HISTORY_PAGE}`,
    )
    entries.push(...page.transitions)
    if (page.transitions.length < HISTORY_PAGE) return entries
  }
}

/** A field of a view; an absent one reads as null (RFC 7396 cannot keep a null). */
const show = (value: Json | undefined): string => JSON.stringify(value ?? null)

const Inspector = ({ kind, id, machine, layout }: { kind: Kind; id: string; machine: MachineDescription; layout: Layout | undefined }) => {
  const fleet = useFleet()
  const [history, setHistory] = useState<HistoryEntry[] | { error: string }>()
  /** The version the slider shows; undefined follows the live one. */
  const [selected, setSelected] = useState<number>()
  const [flash, setFlash] = useState<{ from: string | null; to: string; event: string; n: number }>()
  const [payload, setPayload] = useState("{}")
  const [outcome, setOutcome] = useState<Outcome>()
  const mirrored = useMirror(kind, id)

  useEffect(() => {
    setHistory(undefined)
    setSelected(undefined)
    setOutcome(undefined)
    readHistory(kind, id).then(setHistory, (error: unknown) => setHistory({ error: describeFailure(error) }))
  }, [kind, id])

  useActorEvents(
    (event) => {
      if (event.kind !== kind || event.actor_id !== id) return
      setHistory((entries) => {
        if (entries === undefined || "error" in entries) return entries
        const last = entries.at(-1)?.version ?? 0
        if (event.version <= last) return entries
        if (event.version !== last + 1) {
          void readHistory(kind, id).then(setHistory, () => undefined)
          return entries
        }
        return [
          ...entries,
          { version: event.version, from: event.from, to: event.to, event: event.event, patch: event.patch, at: event.at, by: null },
        ]
      })
      setFlash((previous) => ({ from: event.from, to: event.to, event: event.event, n: (previous?.n ?? 0) + 1 }))
    },
    [kind, id],
  )
  useEffect(() => {
    if (flash === undefined) return
    const timer = setTimeout(() => setFlash(undefined), 1500)
    return () => clearTimeout(timer)
  }, [flash?.n])

  const views = useMemo(() => {
    if (history === undefined || "error" in history) return []
    const rebuilt: Array<{ [key: string]: Json }> = []
    let view: Json = {}
    for (const entry of history) {
      view = applyPatch(view, entry.patch)
      rebuilt.push(view as { [key: string]: Json })
    }
    return rebuilt
  }, [history])

  if (history === undefined)
    return (
      <p class="hint">
        Reading the history of {kind} {id}…
      </p>
    )
  if ("error" in history)
    return (
      <p role="alert" class="error">
        {history.error}
      </p>
    )
  if (history.length === 0)
    return (
      <p>
        No transitions recorded for {kind} {id}.
      </p>
    )

  const latest = history.at(-1)!.version
  const version = selected === undefined ? latest : Math.min(selected, latest)
  const index = history.findIndex((entry) => entry.version === version)
  const entry = history[index]!
  const view = views[index] ?? {}
  const before = index > 0 ? views[index - 1] : undefined
  const liveState = mirrored?.status ?? fleet.view(kind, id)?.status ?? history.at(-1)!.to
  const shownState = entry.to
  const past = version < latest

  const send = async (type: string) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(payload === "" ? "{}" : payload)
    } catch {
      setOutcome({ ok: false, text: "refused: the payload is not JSON" })
      return
    }
    setOutcome(await runCommand(`/api/v1/actors/${kind}/${id}/events`, { type, payload: parsed }))
  }

  return (
    <div class="inspector">
      <h2>
        {kind} <code>{id}</code>
      </h2>
      <p data-testid="live-state">
        Live state: <StateBadge state={liveState} /> (version {latest})
      </p>
      <div class="graph-box" role="region" aria-label="Graph" tabIndex={0}>
        {layout ? (
          <Graph
            layout={layout}
            title={`${kind} statechart`}
            nodeClass={(node) =>
              [
                node.id === shownState ? (past ? "current past" : "current") : "",
                machine.states?.[node.id]?.type === "final" ? "final" : "",
                node.id === ANY_STATE ? "any" : "",
              ].join(" ")
            }
            nodeLabel={(node) =>
              `state ${node.label}${node.id === shownState ? (past ? ` (the state at version ${version})` : " (current)") : ""}`
            }
            edgeClass={(edge) =>
              flash !== undefined &&
              !past &&
              edge.target === flash.to &&
              (edge.source === flash.from || edge.source === ANY_STATE) &&
              edge.label?.split(" ")[0] === flash.event
                ? "flash"
                : ""
            }
          />
        ) : (
          <p class="hint">Laying out…</p>
        )}
      </div>
      <div class="slider">
        <label for="version">
          Version <output data-testid="version">{version}</output> of {latest} {past ? "(earlier)" : "(live)"}
        </label>
        <input
          id="version"
          type="range"
          min={history[0]!.version}
          max={latest}
          step={1}
          value={version}
          onInput={(event) => {
            const value = Number(event.currentTarget.value)
            setSelected(value >= latest ? undefined : value)
          }}
        />
        {past ? (
          <button type="button" onClick={() => setSelected(undefined)}>
            Follow live
          </button>
        ) : null}
      </div>
      <p data-testid="step">
        Version {version}: {entry.from ?? "∅"} → <StateBadge state={entry.to} /> on <code>{entry.event}</code> at{" "}
        <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString()}</time>
        {entry.by ? ` by ${entry.by}` : ""}
      </p>
      <div class="columns">
        <section aria-labelledby="diff-title">
          <h3 id="diff-title">Changed at version {version}</h3>
          <table class="data diff" data-testid="diff">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {Object.keys(entry.patch).map((key) => (
                <tr>
                  <th scope="row">{key}</th>
                  <td>{show(before?.[key])}</td>
                  <td>{show(view[key])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="context-title">
          <h3 id="context-title">View at version {version}</h3>
          <pre class="context" data-testid="context" tabIndex={0}>
            {JSON.stringify(view, null, 2)}
          </pre>
        </section>
      </div>
      <section aria-labelledby="send-title">
        <h3 id="send-title">Send an event (operator)</h3>
        <label for="payload">Payload (JSON, snake_case)</label>
        <textarea id="payload" rows={2} value={payload} onInput={(event) => setPayload(event.currentTarget.value)} />
        <div class="actions" role="group" aria-label={`Events leaving ${liveState}`}>
          {eventsLeaving(machine, liveState).map((type) => (
            <button type="button" onClick={() => void send(type)}>
              {type}
            </button>
          ))}
        </div>
        <CommandResult outcome={outcome} />
      </section>
    </div>
  )
}

export const StatechartsPage = ({ kind: kindParam, id }: { readonly kind: string | undefined; readonly id: string | undefined }) => {
  const machines = useMachines()
  const fleet = useFleet()
  const kind: Kind = KINDS.includes(kindParam as Kind) ? (kindParam as Kind) : "session"
  const machine = machines?.[kind]
  const [layout, setLayout] = useState<Layout>()
  const [search, setSearch] = useState(id ?? "")
  useEffect(() => {
    setLayout(undefined)
    if (machine) void machineLayout(kind, machine).then(setLayout)
  }, [kind, machine])
  const recent = useMemo(
    () => [...fleet.views[kind].values()].sort((a, b) => String(b["updated_at"]).localeCompare(String(a["updated_at"]))).slice(0, 12),
    [fleet.revision, kind],
  )
  return (
    <section aria-labelledby="charts-title">
      <h1 id="charts-title">Statecharts</h1>
      <nav class="tabs" aria-label="Machines">
        {KINDS.map((one) => (
          <a href={href("statecharts", one)} aria-current={one === kind ? "page" : undefined}>
            {one}
          </a>
        ))}
      </nav>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault()
          window.location.hash = href("statecharts", kind, search.trim())
        }}
      >
        <label>
          Open a {kind} by id <input type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
        </label>
        <button type="submit">Open</button>
      </form>
      {id === undefined ? (
        <>
          <p>Recently changed {kind}s:</p>
          <ul class="recent">
            {recent.map((actor) => (
              <li>
                <a href={href("statecharts", kind, actor.id)}>{String(actor["title"] ?? actor["name"] ?? actor.id)}</a>{" "}
                <StateBadge state={actor.status} />
              </li>
            ))}
          </ul>
          <div class="graph-box" role="region" aria-label="Graph" tabIndex={0}>
            {layout ? (
              <Graph
                layout={layout}
                title={`${kind} statechart`}
                nodeClass={(node) => (machine?.states?.[node.id]?.type === "final" ? "final" : node.id === ANY_STATE ? "any" : "")}
              />
            ) : null}
          </div>
        </>
      ) : machine ? (
        <Inspector kind={kind} id={id} machine={machine} layout={layout} />
      ) : (
        <p class="hint">Reading the machines…</p>
      )}
    </section>
  )
}
