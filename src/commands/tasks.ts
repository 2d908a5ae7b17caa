// `clawbot tasks submit|ls|get|cancel`: standalone tasks from the command line.
import { ClawbotError, mirror, type CreateTask, type TaskView } from "../client/node.ts"
import { fields } from "./format.ts"
import { EXIT, jsonFile, jsonOption, listCommand, numberOption, showCommand, type Context, type Group } from "./operator.ts"

const TERMINAL = new Set(["completed", "failed", "cancelled", "timed_out"])

/** The tasks of `-f file`: one task body, a list of them, or `{tasks: [...]}`. */
async function tasksFromFile(ctx: Context, path: string): Promise<CreateTask[]> {
  const body = await jsonFile(ctx.io, path)
  if (Array.isArray(body)) return body as CreateTask[]
  if (typeof body === "object" && body !== null && Array.isArray((body as { tasks?: unknown }).tasks))
    return (body as { tasks: CreateTask[] }).tasks
  return [body as CreateTask]
}

function taskFromOptions(ctx: Context): CreateTask {
  const { values } = ctx
  if (typeof values.capability !== "string" || typeof values.title !== "string") {
    throw new ClawbotError({ code: "validation_failed", message: "give --capability and --title, or -f with the task's JSON" })
  }
  const task: Record<string, unknown> = { title: values.title, capability: values.capability }
  const payload = jsonOption(values, "payload")
  if (payload !== undefined) task.payload = payload
  for (const [option, field] of [
    ["priority", "priority"],
    ["max-attempts", "max_attempts"],
    ["timeout-s", "timeout_s"],
  ] as const) {
    const value = numberOption(values, option)
    if (value !== undefined) task[field] = value
  }
  return task as CreateTask
}

/** Follows a task until it ends; exit 0 when it completed, 8 otherwise. */
async function waitForEnd(ctx: Context, id: string): Promise<number> {
  const copy = mirror({ url: ctx.url, token: ctx.token }, "task", id)
  const stop = () => copy.close()
  ctx.io.signal.addEventListener("abort", stop, { once: true })
  try {
    const view = await copy.until((task) => TERMINAL.has(task.status))
    ctx.print(view, () => fields(summary(view)))
    return view.status === "completed" ? EXIT.ok : EXIT.ended
  } finally {
    ctx.io.signal.removeEventListener("abort", stop)
    copy.close()
  }
}

const summary = (task: TaskView) => ({
  id: task.id,
  status: task.status,
  title: task.title,
  capability: task.capability,
  attempt: `${task.attempt} of ${task.max_attempts}`,
  agent: task.agent_id,
  progress: task.progress_message ? `${task.progress} ${task.progress_message}` : task.progress,
  result: task.result,
  error: task.error,
  cancel_reason: task.cancel_reason,
  session: task.session_id,
  version: task.version,
  updated_at: task.updated_at,
})

export const tasksGroup: Group = {
  name: "tasks",
  summary: "Standalone tasks: submit, list, read, cancel.",
  commands: {
    submit: {
      args: "(-c CAPABILITY -t TITLE [options] | -f FILE)",
      summary: "Submits a task (or, from a file, any number: batches of 1,000); prints each id",
      options: {
        capability: { type: "string", short: "c" },
        title: { type: "string", short: "t" },
        payload: { type: "string" },
        priority: { type: "string" },
        "max-attempts": { type: "string" },
        "timeout-s": { type: "string" },
        file: { type: "string", short: "f" },
        wait: { type: "boolean" },
      },
      help: [
        "-c, --capability C   what a bot must be able to do",
        "-t, --title T        its title",
        "--payload JSON       its input (default {})",
        "--priority N         0 critical … 4 deferred (default 2)",
        "--max-attempts N     (default 3)",
        "--timeout-s N        per attempt (default 300)",
        '-f, --file FILE      a task\'s JSON, a list of them, or {"tasks": [...]}; - reads standard input',
        "--wait               wait until the task ends, print it; exit 0 if it completed, 8 if not",
      ],
      async run(ctx) {
        const file = ctx.values.file
        const tasks = typeof file === "string" ? await tasksFromFile(ctx, file) : [taskFromOptions(ctx)]
        const ids =
          tasks.length === 1
            ? [(await ctx.admin.tasks.create(tasks[0] as CreateTask)).id]
            : (await ctx.admin.tasks.batch(tasks)).map((item) => item.id)
        if (ctx.values.wait && ids.length === 1) return waitForEnd(ctx, ids[0] as string)
        ctx.print({ ids }, () => `${ids.join("\n")}\n`)
        return EXIT.ok
      },
    },
    ls: listCommand<TaskView>({
      args: "[filters]",
      summary: "Lists tasks",
      filters: { status: { type: "string" }, session: { type: "string" }, agent: { type: "string" }, capability: { type: "string" } },
      help: ["--status S  --session ID  --agent ID  --capability C"],
      headers: ["ID", "STATUS", "CAPABILITY", "ATTEMPT", "AGENT", "TITLE"],
      row: (t) => [t.id, t.status, t.capability, t.attempt, t.agent_id, t.title],
      page: ({ admin, values }, paging) =>
        admin.tasks.list({
          status: values.status as never,
          session_id: values.session as string | undefined,
          agent_id: values.agent as string | undefined,
          capability: values.capability as string | undefined,
          ...paging,
        }),
    }),
    get: showCommand(
      "Shows one task",
      ({ admin }, id) => admin.tasks.get(id),
      (task) => fields(summary(task)),
    ),
    cancel: {
      args: "<id> [--reason R]",
      summary: "Cancels a task (a bot running it is told to stop)",
      required: 1,
      options: { reason: { type: "string" } },
      async run(ctx) {
        const answer = await ctx.admin.tasks.cancel(ctx.positionals[0] as string, ctx.values.reason as string | undefined, { wait: true })
        ctx.print(answer, () => `${answer.id} ${answer.state ?? "accepted"}\n`)
        return EXIT.ok
      },
    },
  },
}
