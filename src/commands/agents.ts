// `clawbot agents register|ls|get|drain|resume|rotate-token|deregister`: the fleet from the command line.
import { ClawbotError, type AgentView } from "../client/node.ts"
import { fields } from "./format.ts"
import { EXIT, listCommand, numberOption, showCommand, type Command, type Group } from "./operator.ts"

const command = (summary: string, act: "drain" | "resume" | "deregister"): Command => ({
  args: "<id>",
  summary,
  required: 1,
  async run(ctx) {
    const id = ctx.positionals[0] as string
    const answer = act === "deregister" ? await ctx.admin.agents.deregister(id) : await ctx.admin.agents[act](id, { wait: true })
    ctx.print(answer, () => `${id} ${answer.state ?? "accepted"}\n`)
    return EXIT.ok
  },
})

const summary = (agent: AgentView) => ({
  id: agent.id,
  name: agent.name,
  status: agent.status,
  capabilities: agent.capabilities.join(", "),
  // `-` when it has none, as any empty field.
  labels:
    Object.entries(agent.labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(", ") || null,
  inflight: `${agent.inflight.length} of ${agent.max_concurrency}`,
  load: agent.load,
  breaker: agent.breaker,
  successes: agent.successes,
  failures: agent.failures,
  last_heartbeat_at: agent.last_heartbeat_at,
  version: agent.version,
})

/** `--label K=V`, repeated, as the labels to register with (the server checks keys and values). */
const labelsOption = (given: readonly string[] | undefined): Record<string, string> | undefined => {
  if (given === undefined || given.length === 0) return undefined
  const labels: Record<string, string> = {}
  for (const label of given) {
    const at = label.indexOf("=")
    if (at < 1) throw new ClawbotError({ code: "validation_failed", message: `--label ${JSON.stringify(label)}: expected K=V` })
    labels[label.slice(0, at)] = label.slice(at + 1)
  }
  return labels
}

export const agentsGroup: Group = {
  name: "agents",
  summary: "Agents (bots): register, list, read, drain, resume, rotate a token, deregister.",
  commands: {
    register: {
      args: "--name N --capability C[,C…] [--max-concurrency N] [--label K=V…]",
      summary: "Registers an agent; prints its id and its token (shown this once)",
      options: {
        name: { type: "string" },
        capability: { type: "string", short: "c", multiple: true },
        "max-concurrency": { type: "string" },
        "heartbeat-interval-ms": { type: "string" },
        label: { type: "string", short: "l", multiple: true },
      },
      help: [
        "--name N",
        "-c, --capability C   repeat or comma-separate",
        "--max-concurrency N  tasks at once (default 1)",
        "--heartbeat-interval-ms N (default 10000)",
        "-l, --label K=V      repeat for each label (agents ls --label K or K=V lists by it)",
      ],
      async run(ctx) {
        const capabilities = ((ctx.values.capability as string[] | undefined) ?? []).flatMap((c) => c.split(",")).filter((c) => c !== "")
        if (typeof ctx.values.name !== "string" || capabilities.length === 0) {
          throw new ClawbotError({ code: "validation_failed", message: "give --name and at least one --capability" })
        }
        const maxConcurrency = numberOption(ctx.values, "max-concurrency")
        const interval = numberOption(ctx.values, "heartbeat-interval-ms")
        const labels = labelsOption(ctx.values.label as string[] | undefined)
        const agent = await ctx.admin.agents.register({
          name: ctx.values.name,
          capabilities,
          ...(maxConcurrency === undefined ? {} : { max_concurrency: maxConcurrency }),
          ...(interval === undefined ? {} : { heartbeat_interval_ms: interval }),
          ...(labels === undefined ? {} : { labels }),
        })
        ctx.print(agent, () => `id:    ${agent.id}\ntoken: ${agent.token}\n`)
        return EXIT.ok
      },
    },
    ls: listCommand<AgentView>({
      args: "[--status S] [--capability C] [--label K | K=V]",
      summary: "Lists agents",
      filters: { status: { type: "string" }, capability: { type: "string" }, label: { type: "string" } },
      headers: ["ID", "NAME", "STATUS", "INFLIGHT", "CAPABILITIES"],
      row: (a) => [a.id, a.name, a.status, `${a.inflight.length}/${a.max_concurrency}`, a.capabilities.join(",")],
      page: ({ admin, values }, paging) =>
        admin.agents.list({
          status: values.status as never,
          capability: values.capability as string | undefined,
          label: values.label as string | undefined,
          ...paging,
        }),
    }),
    get: showCommand(
      "Shows one agent",
      ({ admin }, id) => admin.agents.get(id),
      (agent) => fields(summary(agent)),
    ),
    drain: command("Drains an agent: it finishes its tasks and takes no new ones", "drain"),
    resume: command("Lets a drained agent take tasks again", "resume"),
    "rotate-token": {
      args: "<id>",
      summary: "Gives the agent a new token (printed once); the old one stops working at once",
      required: 1,
      async run(ctx) {
        const rotated = await ctx.admin.agents.rotateToken(ctx.positionals[0] as string)
        ctx.print(rotated, () => `${rotated.token}\n`)
        return EXIT.ok
      },
    },
    deregister: command("Deregisters an agent: its tasks go back to ready, its sockets close", "deregister"),
  },
}
