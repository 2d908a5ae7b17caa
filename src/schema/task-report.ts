// A task's report to its session (`TASK_STATUS {index, from, status, epoch}`, machines/session.ts) as an inbox entry
// carries it: compact, `[index, from, status, epoch]` with each state as its code (its place in REPORT_STATES), so
// `[7, 2, 3, 1]` is index 7 from `ready` to `assigned` in epoch 1 (a session takes four per task: the keys and state
// names were two thirds of each one's bytes). A report in the keyed form `{task_id?, index, from, status, epoch}`
// (written before the compact one, or by a raw producer) decodes the same. Both are checked by the payload Schema; the
// plain steps (plain.ts) take the everyday ones at a tenth of its cost. The runtime stores a task's reports in its
// row's outbox in the same compact form (src/runtime/stored-outbox.ts), through `compactReport` and `keyedReport`.
import { Schema, SchemaTransformation } from "effect"
import { NonNegativeInt, Uuid } from "./common.ts"
import { fieldGuard, isPlainRecord, type PlainPayload, plainDecoder, plainEncoder, plainFields } from "./plain.ts"
import { TaskState } from "./states.ts"
import { snakeCased } from "./wire.ts"

/** The states by code: TaskState's own list (states.ts). Stored and appended reports name states by their place in it,
 * so that list only ever grows at its end (tests/unit/schema/task-report.test.ts pins the codes written so far). */
export const REPORT_STATES: ReadonlyArray<TaskState> = TaskState.literals
const CODES: ReadonlyMap<string, number> = new Map(REPORT_STATES.map((state, code) => [state, code]))

const fields = { index: NonNegativeInt, from: TaskState, status: TaskState, epoch: NonNegativeInt }
type Report = { readonly index: number; readonly from: TaskState; readonly status: TaskState; readonly epoch: number }

/** The keyed form; `task_id` only in reports of runtimes that named it (the session derives it from `index`). */
const keyedFields = { taskId: Schema.optionalKey(Uuid), ...fields }
const KeyedReport = snakeCased(Schema.Struct(keyedFields))

const isCode = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) < REPORT_STATES.length
const StateCode = Schema.Int.check(Schema.makeFilter(isCode, { expected: `a task state's code, 0 to ${REPORT_STATES.length - 1}` })).pipe(
  Schema.decodeTo(
    TaskState,
    SchemaTransformation.transform({ decode: (code) => REPORT_STATES[code] as TaskState, encode: (state) => CODES.get(state) as number }),
  ),
)

/** The compact form: `fields`' values in their order, states by code; a report naming its task is not one (`taskId`
 * never, so that the Union encodes it keyed, whatever the options say of members a Struct does not know). */
const CompactReport = Schema.Tuple([fields.index, StateCode, StateCode, fields.epoch]).pipe(
  Schema.decodeTo(
    Schema.Struct({ taskId: Schema.optionalKey(Schema.Never), ...fields }),
    SchemaTransformation.transform({
      decode: ([index, from, status, epoch]) => ({ index, from, status, epoch }),
      encode: ({ index, from, status, epoch }) => [index, from, status, epoch] as const,
    }),
  ),
)

/** The payload Schema of `TASK_STATUS`: either form decodes; a report naming its task encodes keyed, any other compact. */
export const TaskReportPayload = Schema.Union([CompactReport, KeyedReport])

// plain.ts's guards: `Schema.is` answers the same through the parser's run inside an Effect, at many times the cost.
const isIndex = fieldGuard(fields.index)
const isState = fieldGuard(fields.from)

/** A report (in memory, exactly its four members) in the compact form; undefined for anything else. */
export const compactReport = (payload: unknown): ReadonlyArray<number> | undefined => {
  if (!isPlainRecord(payload) || Object.keys(payload).length !== 4) return undefined
  const { index, from, status, epoch } = payload
  return isIndex(index) && isState(from) && isState(status) && isIndex(epoch)
    ? [index, CODES.get(from) as number, CODES.get(status) as number, epoch]
    : undefined
}

/** A compact report back in memory; undefined for what is not one. */
export const keyedReport = (compact: unknown): Report | undefined => {
  if (!Array.isArray(compact) || compact.length !== 4) return undefined
  const [index, from, status, epoch] = compact as unknown[]
  return isIndex(index) && isCode(from) && isCode(status) && isIndex(epoch)
    ? { index, from: REPORT_STATES[from] as TaskState, status: REPORT_STATES[status] as TaskState, epoch }
    : undefined
}

const keyedChecks = plainFields(keyedFields)
const plainKeyed = plainDecoder(keyedChecks ?? [])
const plainKeyedEncode = plainEncoder(keyedChecks ?? [])

/** A report's payload as `TaskReportPayload` decodes it, checked field by field: either form; undefined for anything
 * else (the Schema then names what is wrong). */
export const plainTaskReport: PlainPayload = (payload) => (Array.isArray(payload) ? keyedReport(payload) : plainKeyed(payload))

/** A report in memory as its entry carries it, as `TaskReportPayload` encodes it: keyed when it names its task, else
 * compact (the array stands where plain.ts expects a record: the stream payload is its JSON); undefined for anything
 * the Schema has to encode or refuse. */
export const plainTaskReportEncode: PlainPayload = (payload) =>
  isPlainRecord(payload) && Object.hasOwn(payload, "taskId")
    ? plainKeyedEncode(payload)
    : (compactReport(payload) as unknown as Readonly<Record<string, unknown>> | undefined)
