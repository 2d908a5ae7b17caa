// Issue 7's targets as a run met them or not: every key figure a scenario set a goal for (the median when it ran
// several rounds), its goal, what was measured and whether it reached it. A run never fails because of a target (a
// red run means a scenario broke); the numbers hold for the full size only, so a smaller run says so.
import { bytesLabel, fixed, reaches, type Goal, type ScenarioReport } from "./report.ts"

const goalText = (goal: Goal, digits: number): string =>
  "atLeast" in goal
    ? `≥ ${fixed(goal.atLeast, digits)}`
    : "atMost" in goal
      ? `≤ ${fixed(goal.atMost, digits)}`
      : `${fixed(goal.within[0], digits)} to ${fixed(goal.within[1], digits)}`

/** A figure's row: its name, its goal, the value, whether it met the goal. */
const row = (name: string, value: number, digits: number, goal: Goal): string[] => [
  name,
  goalText(goal, digits),
  fixed(value, digits),
  !Number.isFinite(value) ? "n/a" : reaches(value, goal) ? "met" : "NOT met",
]

/** A figure of the report whose name starts with `scenario`, by label. */
const figureOf = (reports: ReadonlyArray<ScenarioReport>, scenario: string, label: string): number | undefined =>
  reports.find((report) => report.name.startsWith(scenario))?.figures.find((figure) => figure.label === label)?.value

/** Issue 7's one target across scenarios: a task of the big session costs the bytes of a lifecycle task, within 20%. */
const sessionBytesRow = (reports: ReadonlyArray<ScenarioReport>, bigSession: number): string[] | undefined => {
  const lifecycle = figureOf(reports, "lifecycle", bytesLabel("clawbot"))
  const session = figureOf(reports, "sessions", bytesLabel(`clawbot ${bigSession}/session`))
  if (lifecycle === undefined || session === undefined) return undefined
  return row(`sessions / lifecycle: bytes of a ${bigSession}/session task against a lifecycle task's`, session / lifecycle, 3, {
    within: [0.8, 1.2],
  })
}

/** The targets table of `reports` (each scenario's last word: its one report, or its rounds' summary); undefined when
 * none has a goal. `full`: the run had the full size the targets are stated for; `bigSession`: the sessions
 * scenario's big size. */
export const targetsReport = (
  reports: ReadonlyArray<ScenarioReport>,
  { full, bigSession }: { readonly full: boolean; readonly bigSession: number },
): ScenarioReport | undefined => {
  const sessionBytes = sessionBytesRow(reports, bigSession)
  const rows = [
    ...reports.flatMap((report) =>
      report.figures.flatMap(({ label, value, digits, goal }) =>
        goal === undefined ? [] : [row(`${report.name}: ${label}`, value, digits, goal)],
      ),
    ),
    ...(sessionBytes === undefined ? [] : [sessionBytes]),
  ]
  if (rows.length === 0) return undefined
  return {
    name: "targets",
    headline: full
      ? "issue 7's targets at the full size (a target missed never fails the run)"
      : "issue 7's targets, at a size smaller than the full one they are stated for: indicative only",
    tables: [{ title: "issue 7's targets", columns: ["figure", "target", "measured", "met"], rows }],
    notes: [],
    failures: [],
    figures: [],
  }
}
