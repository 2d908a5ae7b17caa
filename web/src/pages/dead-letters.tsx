// Dead letters (operator): the inbox entries that could not be applied, with the reason; replay
// appends one to its inbox again, delete drops it. The list is read again each time the dead letters
// change (the `dead_letters` topic of the page's event socket), so a replayed entry that fails again, or
// a new dead letter, shows up with no reload.
import { useEffect, useState } from "preact/hooks"
import { describeFailure, getAll, request } from "../api.ts"
import { CommandResult, type Outcome } from "../components/command-result.tsx"
import { useFleet } from "../data/live.ts"

interface DeadLetter {
  readonly id: string
  readonly partition: number
  readonly source: string
  readonly reason: string
  readonly fields: Readonly<Record<string, string>>
  readonly at: string
}

export const DeadLettersPage = () => {
  const [letters, setLetters] = useState<DeadLetter[] | { error: string }>()
  const [outcome, setOutcome] = useState<Outcome>()
  const read = () =>
    getAll<DeadLetter>("/api/v1/dead-letters").then(setLetters, (error: unknown) => setLetters({ error: describeFailure(error) }))
  const changes = useFleet().deadLetterChanges
  useEffect(() => void read(), [changes])
  const act = async (letter: DeadLetter, action: "replay" | "delete") => {
    try {
      const path = `/api/v1/dead-letters/${encodeURIComponent(letter.id)}`
      await (action === "replay" ? request("POST", `${path}/replay`, {}) : request("DELETE", path))
      setOutcome({ ok: true, text: action === "replay" ? `${letter.id} appended to its inbox again` : `${letter.id} deleted` })
    } catch (error) {
      setOutcome({ ok: false, text: `refused: ${describeFailure(error)}` })
    }
    await read()
  }
  return (
    <section aria-labelledby="dead-title">
      <h1 id="dead-title">Dead letters</h1>
      <p>
        <button type="button" onClick={() => void read()}>
          Read again
        </button>
      </p>
      <CommandResult outcome={outcome} />
      {letters === undefined ? <p class="hint">Loading…</p> : null}
      {letters !== undefined && "error" in letters ? (
        <p role="alert" class="error">
          {letters.error}
        </p>
      ) : null}
      {Array.isArray(letters) && letters.length === 0 ? <p>No dead letters.</p> : null}
      {Array.isArray(letters) && letters.length > 0 ? (
        <div class="table-scroll">
          <table class="data">
            <caption class="sr-only">Dead letters</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Entry</th>
                <th scope="col">Reason</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {letters.map((letter) => (
                <tr data-testid={`dead-${letter.id}`}>
                  <td>
                    <time dateTime={letter.at}>{new Date(letter.at).toLocaleString()}</time>
                  </td>
                  <td>
                    <code>{letter.fields["type"] ?? "?"}</code> to <code>{letter.fields["actor"] ?? "?"}</code>
                  </td>
                  <td>{letter.reason}</td>
                  <td class="row-actions">
                    <button type="button" aria-label={`Replay ${letter.id}`} onClick={() => void act(letter, "replay")}>
                      Replay
                    </button>
                    <button type="button" aria-label={`Delete ${letter.id}`} onClick={() => void act(letter, "delete")}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  )
}
