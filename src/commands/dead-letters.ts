// `clawbot dead-letters ls|get|replay|rm`: the inbox entries that could not be applied, for operators.
import { fields } from "./format.ts"
import type { DeadLetter } from "../client/node.ts"
import { EXIT, listCommand, showCommand, type Group } from "./operator.ts"

export const deadLettersGroup: Group = {
  name: "dead-letters",
  summary: "Inbox entries that could not be applied or stored: list, read, replay, remove (operator).",
  commands: {
    ls: listCommand<DeadLetter>({
      args: "[--limit N]",
      summary: "Lists dead letters, oldest first, with the reason",
      headers: ["ID", "AT", "TYPE", "ACTOR", "REASON"],
      row: (l) => [l.id, l.at, l.fields["type"], l.fields["actor"], l.reason],
      page: ({ admin }, paging) => admin.deadLetters.list(paging),
    }),
    get: showCommand(
      "Shows one dead letter with its fields",
      ({ admin }, id) => admin.deadLetters.get(id),
      (letter) => fields({ ...letter }),
    ),
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
