// Issue 7's targets as a run met them or not: every key figure a scenario set a goal for (the median when it ran
// several rounds), its goal, what was measured and whether it reached it. A run never fails because of a target (a
// red run means a scenario broke); the numbers hold for the full size only, so a smaller run says so.
import { fixed, reaches, type Goal, type ScenarioReport } from "./report.ts"

const goalText = (goal: Goal, digits: number): string =>
  "atLeast" in goal ? `≥ ${fixed(goal.atLeast, digits)}` : `≤ ${fixed(goal.atMost, digits)}`

/** The targets table of `reports` (each scenario's last word: its one report, or its rounds' summary); undefined when
 * none has a goal. `full`: the run had the full size the targets are stated for. */
export const targetsReport = (reports: ReadonlyArray<ScenarioReport>, full: boolean): ScenarioReport | undefined => {
  const rows = reports.flatMap((report) =>
    report.figures.flatMap(({ label, value, digits, goal }) =>
      goal === undefined
        ? []
        : [
            [
              `${report.name}: ${label}`,
              goalText(goal, digits),
              fixed(value, digits),
              !Number.isFinite(value) ? "n/a" : reaches(value, goal) ? "met" : "NOT met",
            ],
          ],
    ),
  )
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
