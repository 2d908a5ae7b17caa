// Chaos support: the work a crash test pushes through the runtime. Standalone tasks and small
// session DAGs (one root, two dependants, the last depending on both) are created at the pace
// the fleet completes them, keeping about `window` lifecycles open at a time, and no faster
// than `perSecond`, so the faults fall during the lifecycles however fast the machine is. Timeouts are far
// beyond the test's length, so no deadline fires: every lifecycle should simply complete.
import { randomUUID } from "node:crypto"
import { sessionTaskId } from "../../machines/task-ids.ts"
import type { AppendFn } from "../../src/runtime/append.ts"

export interface SessionPlan {
  readonly id: string
  /** Created ready: CREATE → ready. */
  readonly roots: readonly string[]
  /** Created blocked, unblocked by the session: CREATE → blocked → ready. */
  readonly dependants: readonly string[]
}

export interface WorkloadOptions {
  readonly tasks: number
  readonly sessions: number
  readonly capability: string
  /** How many created lifecycles may be waiting for their COMPLETE at a time. */
  readonly window: number
  /** The most lifecycles created per second. */
  readonly perSecond: number
}

const SPEC = { payload: {}, timeoutS: 3600, maxAttempts: 3, priority: 2 }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class Workload {
  readonly standalone: string[] = []
  readonly sessions: SessionPlan[] = []
  private stopped = false

  constructor(
    private readonly append: AppendFn,
    private readonly options: WorkloadOptions,
  ) {}

  /** Every task lifecycle planned: standalone tasks plus three per session. */
  get lifecycles(): number {
    return this.options.tasks + 3 * this.options.sessions
  }

  get created(): number {
    return this.standalone.length + this.sessions.reduce((sum, session) => sum + session.roots.length + session.dependants.length, 0)
  }

  /** Creates everything, never more than `window` ahead of `completed()`. */
  async run(completed: () => number): Promise<void> {
    const { tasks, sessions, window, perSecond } = this.options
    const sessionEvery = Math.max(1, Math.floor(tasks / Math.max(1, sessions)))
    const began = Date.now()
    while ((this.standalone.length < tasks || this.sessions.length < sessions) && !this.stopped) {
      if (this.created - completed() >= window || this.created >= ((Date.now() - began) / 1000) * perSecond) {
        await sleep(20)
        continue
      }
      const burst = []
      for (let n = 0; n < 20 && this.standalone.length < tasks; n += 1) {
        burst.push(this.createTask())
        if (this.standalone.length % sessionEvery === 0 && this.sessions.length < sessions) burst.push(this.createSession())
      }
      if (this.standalone.length >= tasks && this.sessions.length < sessions) burst.push(this.createSession())
      await Promise.all(burst)
    }
  }

  /** Ends `run` early (a failed test). */
  stop(): void {
    this.stopped = true
  }

  private async createTask(): Promise<void> {
    const id = randomUUID()
    this.standalone.push(id)
    // Every other one without a command id, as the edge creates them: it may be given to an agent at its intake
    // (src/runtime/intake.ts); the others, as a producer that may repeat its appends: created ready, routed.
    await this.append({
      kind: "task",
      id,
      type: "CREATE",
      ...(this.standalone.length % 2 === 0 ? { cmdId: `${id}:create` } : {}),
      payload: {
        id,
        title: `chaos ${this.standalone.length}`,
        capability: this.options.capability,
        dependsOn: [],
        blocked: false,
        ...SPEC,
      },
    })
  }

  private async createSession(): Promise<void> {
    const id = randomUUID()
    const [build, test, ship] = [0, 1, 2].map((index) => sessionTaskId(id, index)) as [string, string, string]
    this.sessions.push({ id, roots: [build], dependants: [test, ship] })
    const task = (taskId: string, key: string, dependsOn: string[]) => ({
      id: taskId,
      key,
      title: key,
      capability: this.options.capability,
      dependsOn,
      spec: SPEC,
    })
    await this.append({
      kind: "session",
      id,
      type: "CREATE",
      cmdId: `${id}:create`,
      payload: {
        id,
        title: `chaos session ${this.sessions.length}`,
        tasks: [task(build, "build", []), task(test, "test", [build]), task(ship, "ship", [build, test])],
      },
    })
    await this.append({ kind: "session", id, type: "START", payload: {}, cmdId: `${id}:start` })
  }
}
