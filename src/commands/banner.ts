// What `clawbot start` prints once it serves: where (the API, the dashboard), then the operator token
// last and alone on its line, so it is never buried by what was printed before.
import type { OperatorTokenStatus } from "../edge/auth.ts"

export const bannerLines = (url: string, operator: OperatorTokenStatus): string[] => [
  `clawbot: listening on ${url} (HTTP API under /api/v1, WebSockets /ws/control and /ws/events)`,
  `clawbot: dashboard: ${url}/`,
  ...(operator.source === "generated"
    ? ["clawbot: operator token (shown this once; only its hash is stored):", operator.token]
    : operator.source === "stored"
      ? [
          "clawbot: operator token: the one generated at first start (stored hashed); to use a new one set CLAWBOT_OPERATOR_TOKEN or --operator-token",
        ]
      : ["clawbot: operator token: from CLAWBOT_OPERATOR_TOKEN / --operator-token"]),
]
