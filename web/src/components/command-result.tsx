// What an operator's command answered: applied (and the state now), accepted, or the refusal with
// PROTOCOL's code and the machine's reason, announced to screen readers.
import { describeFailure, post } from "../api.ts"

export type Outcome = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly text: string }

/** POSTs a command with `?wait=1` and says what happened. */
export const runCommand = async (path: string, body: unknown = {}): Promise<Outcome> => {
  try {
    const answer = await post<{ state?: string; stream_id?: string }>(`${path}${path.includes("?") ? "&" : "?"}wait=1`, body)
    return { ok: true, text: answer?.state === undefined ? "accepted" : `applied: now ${answer.state}` }
  } catch (error) {
    return { ok: false, text: `refused: ${describeFailure(error)}` }
  }
}

export const CommandResult = ({ outcome }: { readonly outcome: Outcome | undefined }) =>
  outcome === undefined ? null : (
    <p class={outcome.ok ? "result ok" : "result error"} role={outcome.ok ? "status" : "alert"} data-testid="command-result">
      {outcome.text}
    </p>
  )
