// `clawbot dead-letters ls|get|replay|rm`: the inbox entries that could not be applied, for operators.
import { fields, table } from "./format.ts"
import { EXIT, numberOption, type Group } from "./operator.ts"

export const deadLettersGroup: Group = {
  name: "dead-letters",
  summary: "Inbox entries that could not be applied or stored: list, read, replay, remove (operator).",
  commands: {
    ls: {
      args: "[--limit N]",
      summary: "Lists dead letters, oldest first, with the reason",
      read: true,
      options: { limit: { type: "string" }, cursor: { type: "string" } },
      async run(ctx) {
        const page = await ctx.admin.deadLetters.list({ limit: numberOption(ctx.values, "limit"), cursor: ctx.values.cursor as string | undefined })
        ctx.print(page, () =>
          table(["ID", "AT", "TYPE", "ACTOR", "REASON"], page.items.map((l) => [l.id, l.at, l.fields["type"], l.fields["actor"], l.reason])) +
          (page.next_cursor ? `next page: --cursor ${page.next_cursor}\n` : ""),
        )
        return EXIT.ok
      },
    },
    get: {
      args: "<id>",
      summary: "Shows one dead letter with its fields",
      read: true,
      required: 1,
      async run(ctx) {
        const letter = await ctx.admin.deadLetters.get(ctx.positionals[0] as string)
        ctx.print(letter, () => fields({ ...letter }))
        return EXIT.ok
      },
    },
    replay: {
      args: "<id>",
      summary: "Appends the entry to its inbox again (dead-lettered again if it still fails)",
      required: 1,
      async run(ctx) {
        const replayed = await ctx.admin.deadLetters.replay(ctx.positionals[0] as string)
        ctx.print(replayed, () => `${replayed.id} replayed as ${replayed.stream_id}\n`)
        return EXIT.ok
      },
    },
    rm: {
      args: "<id>",
      summary: "Removes a dead letter",
      required: 1,
      async run(ctx) {
        await ctx.admin.deadLetters.delete(ctx.positionals[0] as string)
        ctx.print({ id: ctx.positionals[0], deleted: true }, () => `${ctx.positionals[0]} removed\n`)
        return EXIT.ok
      },
    },
  },
}
