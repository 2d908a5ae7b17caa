// `clawbot sessions create|ls|get|start|pause|resume|stop|cancel|retry|timeline|delete`: sessions (DAGs of
// tasks) from the command line.
import { TASK_STATUSES } from "../../machines/task-statuses.ts"
import { SESSION_ACTIONS, type CreateSession, type SessionAction, type SessionSummary, type SessionView } from "../client/node.ts"
import { fields, table } from "./format.ts"
import { EXIT, jsonFile, listCommand, showCommand, type Command, type Group } from "./operator.ts"

const lifecycle = (action: SessionAction): Command => ({
  args: "<id>",
  summary: `${action[0]?.toUpperCase()}${action.slice(1)}s a session (exit 5 when its state refuses it)`,
  required: 1,
  async run(ctx) {
    const answer = await ctx.admin.sessions.act(ctx.positionals[0] as string, action, { wait: true })
    ctx.print(answer, () => `${answer.id} ${answer.state ?? "accepted"}\n`)
    return EXIT.ok
  },
})

/** A session's tasks by state as people read them: the states that hold any, in lifecycle order (`blocked:1 ready:1`);
 * `--json` keeps every count. */
const taskCounts = (counts: SessionSummary["task_counts"]): string | null => {
  const held = TASK_STATUSES.filter((state) => (counts[state] ?? 0) > 0).map((state) => `${state}:${counts[state]}`)
  return held.length === 0 ? null : held.join(" ")
}

const summary = ({ tasks: _tasks, ...session }: SessionView) => ({
  id: session.id,
  status: session.status,
  title: session.title,
  priority: session.priority,
  tasks: taskCounts(session.task_counts),
  health: session.health,
  checkpoints: session.checkpoints,
  error: session.error,
  started_at: session.started_at,
  finished_at: session.finished_at,
  version: session.version,
})

export const sessionsGroup: Group = {
  name: "sessions",
  summary: "Sessions, DAGs of tasks: create from a file, list, read, run their lifecycle.",
  commands: {
    create: {
      args: "-f FILE [--start]",
      summary: "Creates a session from its JSON (title, tasks with key and depends_on); prints its id",
      required: 0,
      options: { file: { type: "string", short: "f" }, start: { type: "boolean" } },
      help: [
        "-f, --file FILE   the session's JSON as POST /sessions takes it; - reads standard input",
        '--start           start it at once (same as "start": true)',
      ],
      async run(ctx) {
        if (typeof ctx.values.file !== "string") {
          ctx.io.err("clawbot sessions create: give -f FILE with the session's JSON\n")
          return EXIT.usage
        }
        const body = (await jsonFile(ctx.io, ctx.values.file)) as CreateSession
        const created = await ctx.admin.sessions.create(ctx.values.start ? { ...body, start: true } : body)
        ctx.print(
          created,
          () =>
            `${created.id}\n${table(
              ["KEY", "TASK"],
              created.tasks.map((task) => [task.key, task.id]),
            )}`,
        )
        return EXIT.ok
      },
    },
    ls: listCommand<SessionSummary>({
      args: "[--status S]",
      summary: "Lists sessions",
      filters: { status: { type: "string" } },
      headers: ["ID", "STATUS", "TASKS", "TITLE"],
      row: (s) => [s.id, s.status, taskCounts(s.task_counts), s.title],
      page: ({ admin, values }, paging) => admin.sessions.list({ status: values.status as never, ...paging }),
    }),
    get: showCommand(
      "Shows a session and its tasks",
      ({ admin }, id) => admin.sessions.get(id),
      (session) =>
        `${fields(summary(session))}\n${table(
          ["KEY", "TASK", "STATUS", "ATTEMPT", "AGENT"],
          session.tasks.map((t) => [t.key, t.id, t.status, t.attempt, t.agent_id]),
        )}`,
    ),
    ...Object.fromEntries(SESSION_ACTIONS.map((action) => [action, lifecycle(action)])),
    timeline: showCommand(
      "Every transition of the session and its tasks, in order (every page of it)",
      async ({ admin }, id) => {
        const transitions = []
        for await (const step of admin.sessions.timelineAll(id)) transitions.push(step)
        return { session_id: id, transitions, next_cursor: null }
      },
      (timeline) =>
        table(
          ["AT", "KIND", "ID", "VERSION", "FROM", "TO", "EVENT"],
          timeline.transitions.map((s) => [s.at, s.kind, s.actor_id, s.version, s.from, s.to, s.event]),
        ),
    ),
    delete: {
      args: "<id> [--hard]",
      summary: "Hides a session from lists (kept in history); --hard erases it",
      required: 1,
      options: { hard: { type: "boolean" } },
      async run(ctx) {
        const answer = await ctx.admin.sessions.delete(ctx.positionals[0] as string, { hard: ctx.values.hard === true })
        ctx.print(answer, () => `${ctx.positionals[0]} deleted\n`)
        return EXIT.ok
      },
    },
  },
}
