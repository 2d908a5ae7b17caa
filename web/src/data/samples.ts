// The fleet charts' series, one sample a second over the last SAMPLES seconds: transitions/s and
// connected bots counted in the page as events apply (`second()`, from the fleet's sampler), the inbox
// lag and the dead letters from the `fleet` topic's frames, which every edge sends each second.
import type { FleetFigures } from "../../../src/client/types.ts"

/** Seconds of samples the charts show. */
const SAMPLES = 60

const push = (series: number[], value: number): void => {
  series.push(value)
  if (series.length > SAMPLES) series.shift()
}

export class Samples {
  readonly transitions: number[] = []
  readonly connected: number[] = []
  /** Inbox entries appended and not yet applied, deployment-wide. */
  readonly inboxEntries: number[] = []
  readonly deadLetters: number[] = []
  /** The latest `fleet` frame; undefined until the first comes. */
  figures: FleetFigures | undefined
  private transitionsThisSecond = 0

  transition(): void {
    this.transitionsThisSecond += 1
  }

  /** Closes a second of the page's own counting. */
  second(connected: number): void {
    push(this.transitions, this.transitionsThisSecond)
    push(this.connected, connected)
    this.transitionsThisSecond = 0
  }

  /** A `fleet` frame: one sample of the inbox lag and of the dead letters. */
  fleet(figures: FleetFigures): void {
    this.figures = figures
    push(this.inboxEntries, figures.inbox_entries)
    push(this.deadLetters, figures.dead_letters)
  }
}
