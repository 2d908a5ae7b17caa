// A scenario run several times (`--rounds N`): this host's speed drifts by 10-25% between runs a few minutes apart, and
// both sides of a round are measured one after the other, so one round's ratio can be off by that much. The summary
// puts each key figure of every round side by side with its median, the figure to judge by.
import { aimed, fixed, type ScenarioReport, type Table } from "./report.ts"

/** The middle value (the mean of the two middle ones for an even count); NaN when there is none. */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** One round's report named as such. */
export const roundReport = (report: ScenarioReport, round: number, rounds: number): ScenarioReport => ({
  ...report,
  name: `${report.name} round ${round} of ${rounds}`,
})

/** The rounds of one scenario: a table of each key figure by round (in the order the first round gave them, then any a
 * later round added), with its median, and every round's failures. */
export const roundsSummary = (name: string, rounds: ReadonlyArray<ScenarioReport>): ScenarioReport => {
  const labels = [...new Set(rounds.flatMap((report) => report.figures.map((figure) => figure.label)))]
  const byLabel = labels.map((label) => {
    const found = rounds.map((report) => report.figures.find((figure) => figure.label === label))
    const values = found.map((figure) => figure?.value ?? Number.NaN)
    const first = found.find((figure) => figure !== undefined)
    return { label, values, value: median(values), digits: first?.digits ?? 0, goal: first?.goal }
  })
  const table: Table = {
    title: `${name}: key figures by round`,
    columns: ["", ...rounds.map((_, n) => `round ${n + 1}`), "median"],
    rows: byLabel.map(({ label, values, value, digits }) => [label, ...values.map((v) => fixed(v, digits)), fixed(value, digits)]),
  }
  return {
    name: `${name} over ${rounds.length} rounds`,
    headline: "each round ran both sides, one after the other; judge by the median (a single round moves with the host's speed)",
    tables: [table],
    notes: [],
    failures: rounds.flatMap((report, n) => report.failures.map((failure) => `round ${n + 1}: ${failure}`)),
    figures: byLabel.map(({ label, value, digits, goal }) => aimed({ label, value, digits }, goal)),
  }
}
