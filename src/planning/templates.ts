// The four decomposition templates (docs/coordination.md, "Decomposition") and their expansion into
// subtasks, as pure data and functions: each subtask has a key, a title, the capability a bot needs, the
// keys it waits for and a three-point estimate in hours; some have parts of their own (a second level,
// reached when max_depth allows). A part waits for what its parent waits for, and the parent waits for
// its parts (it becomes their integration step).
import { pert, type Estimate } from "./pert.ts"

export const TEMPLATES = ["microservice", "crud", "security", "ui_component"] as const
export type TemplateName = (typeof TEMPLATES)[number]

interface Step {
  readonly key: string
  readonly title: string
  readonly capability: string
  readonly after?: ReadonlyArray<string>
  /** optimistic, most likely, pessimistic hours */
  readonly hours: readonly [number, number, number]
  readonly parts?: ReadonlyArray<Step>
}

const step = (key: string, title: string, capability: string, hours: Step["hours"], after: string[] = [], parts?: Step[]): Step =>
  ({ key, title, capability, hours, after, ...(parts ? { parts } : {}) })

const TEMPLATE_STEPS: Record<TemplateName, ReadonlyArray<Step>> = {
  microservice: [
    step("shared", "Shared components", "backend", [2, 4, 8]),
    step("data", "Data layer", "database", [4, 8, 16], ["shared"], [
      step("schema", "Schema and migrations", "database", [1, 2, 4]),
      step("repository", "Repository", "backend", [2, 4, 8], ["schema"]),
    ]),
    step("service", "Service layer", "backend", [4, 8, 16], ["data"]),
    step("api", "API layer", "api", [3, 6, 12], ["service"], [
      step("routes", "Routes and handlers", "api", [2, 3, 6]),
      step("contract", "API contract and validation", "api", [1, 2, 4]),
    ]),
  ],
  crud: [
    step("validate", "Validate input", "backend", [1, 2, 4]),
    step("authorize", "Authorize access", "security", [1, 3, 6]),
    step("create", "Create", "backend", [2, 3, 6], ["validate", "authorize"]),
    step("read", "Read", "backend", [1, 2, 4], ["authorize"]),
    step("update", "Update", "backend", [2, 3, 6], ["validate", "authorize"]),
    step("delete", "Delete", "backend", [1, 2, 3], ["authorize"]),
  ],
  security: [
    step("threat_model", "Threat model", "security", [2, 4, 8]),
    step("identity", "Identity", "security", [4, 8, 16], ["threat_model"], [
      step("authentication", "Authentication", "security", [2, 4, 8]),
      step("sessions", "Session management", "security", [1, 3, 6], ["authentication"]),
    ]),
    step("access_control", "Access control", "security", [3, 6, 12], ["identity"]),
    step("encryption", "Encryption", "security", [2, 5, 10], ["threat_model"]),
    step("audit", "Audit", "security", [2, 3, 6], ["access_control", "encryption"]),
  ],
  ui_component: [
    step("components", "Components", "frontend", [3, 6, 12], [], [
      step("markup", "Markup", "frontend", [1, 2, 4]),
      step("accessibility", "Accessibility", "frontend", [1, 2, 5], ["markup"]),
    ]),
    step("state", "State", "frontend", [2, 4, 8], ["components"]),
    step("styles", "Styles", "design", [1, 3, 6], ["components"]),
    step("tests", "Tests", "testing", [2, 3, 6], ["state", "styles"]),
  ],
}

export interface PlannedTask {
  /** `<top>` or `<top>.<part>`: unique within one decomposition. */
  readonly key: string
  readonly title: string
  readonly capability: string
  /** 1 for the template's steps, 2 for their parts. */
  readonly depth: number
  /** Keys of this plan. */
  readonly dependsOn: string[]
  readonly estimate: Estimate
}

/**
 * The subtasks of `template`, expanded to `maxDepth` levels (1: the template's steps; 2: also their
 * parts), in an order where each comes after what it waits for.
 */
export function expandTemplate(template: TemplateName, maxDepth: number): PlannedTask[] {
  const planned: PlannedTask[] = []
  const expand = (steps: ReadonlyArray<Step>, depth: number, prefix: string, inherited: string[]): void => {
    for (const s of steps) {
      const key = prefix === "" ? s.key : `${prefix}.${s.key}`
      const own = (s.after ?? []).map((after) => (prefix === "" ? after : `${prefix}.${after}`))
      const waitsFor = [...inherited, ...own]
      const parts = depth < maxDepth ? (s.parts ?? []) : []
      // parts come first: they wait for what their parent waits for, and the parent waits for them
      expand(parts, depth + 1, key, waitsFor)
      const partKeys = parts.map((part) => `${key}.${part.key}`)
      const [o, m, p] = s.hours
      planned.push({
        key, title: s.title, capability: s.capability, depth,
        dependsOn: [...waitsFor, ...partKeys],
        estimate: pert({ optimistic: o, mostLikely: m, pessimistic: p }),
      })
    }
  }
  expand(TEMPLATE_STEPS[template], 1, "", [])
  return planned
}
