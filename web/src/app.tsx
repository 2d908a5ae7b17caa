// The shell: asks for a token once (kept in localStorage), then the navigation, the connection
// indicator and the page of the current route, all fed by one live subscriber.
import { useEffect, useState } from "preact/hooks"
import { onUnauthorized } from "./api.ts"
import { stopLive, useFleet } from "./data/live.ts"
import { useMachines } from "./data/machines.ts"
import { AgentsPage } from "./pages/agents.tsx"
import { DeadLettersPage } from "./pages/dead-letters.tsx"
import { FleetPage } from "./pages/fleet.tsx"
import { SessionPage } from "./pages/session.tsx"
import { SessionsPage } from "./pages/sessions.tsx"
import { StatechartsPage } from "./pages/statecharts.tsx"
import { href, useRoute, type Page } from "./router.ts"
import { forgetToken, readToken, saveToken } from "./token.ts"

const NAV: ReadonlyArray<readonly [Page, string]> = [
  ["fleet", "Fleet"],
  ["sessions", "Sessions"],
  ["agents", "Agents"],
  ["statecharts", "Statecharts"],
  ["dead-letters", "Dead letters"],
]

const TokenForm = ({ onSaved, refused }: { readonly onSaved: () => void; readonly refused: boolean }) => {
  const [value, setValue] = useState("")
  return (
    <main class="token-form">
      <h1>Clawbot Coordinator</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          if (value.trim() === "") return
          saveToken(value)
          onSaved()
        }}
      >
        <label for="token">Operator or viewer token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
        <p class="hint">
          Printed by <code>clawbot start</code>; kept in this browser only.
        </p>
        {refused ? (
          <p role="alert" class="error">
            That token was refused (unauthorized). Enter another.
          </p>
        ) : null}
        <button type="submit">Open the dashboard</button>
      </form>
    </main>
  )
}

const STATUS_TEXT = { connecting: "connecting…", open: "live", reconnecting: "reconnecting…", closed: "closed" } as const

const Connection = () => {
  const fleet = useFleet()
  return (
    <span class={`connection connection-${fleet.status}`} role="status" aria-live="polite" data-testid="connection">
      <span class="dot" aria-hidden="true" />
      {STATUS_TEXT[fleet.status]}
    </span>
  )
}

const Shell = ({ onForget }: { readonly onForget: () => void }) => {
  const route = useRoute()
  useMachines() // the first read: a refused token (401) shows the token form again
  return (
    <>
      <header class="top">
        <a class="brand" href={href("fleet")}>
          Clawbot
        </a>
        <nav aria-label="Pages">
          {NAV.map(([page, label]) => (
            <a href={href(page)} aria-current={route.page === page ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <Connection />
        <button type="button" class="link" onClick={onForget}>
          Change token
        </button>
      </header>
      <main id="main">
        {route.page === "fleet" ? <FleetPage /> : null}
        {route.page === "sessions" && route.rest[0] === undefined ? <SessionsPage /> : null}
        {route.page === "sessions" && route.rest[0] !== undefined ? <SessionPage id={route.rest[0]} /> : null}
        {route.page === "agents" ? <AgentsPage /> : null}
        {route.page === "statecharts" ? <StatechartsPage kind={route.rest[0]} id={route.rest[1]} /> : null}
        {route.page === "dead-letters" ? <DeadLettersPage /> : null}
      </main>
    </>
  )
}

export const App = () => {
  const [token, setToken] = useState(readToken())
  const [refused, setRefused] = useState(false)
  useEffect(
    () =>
      onUnauthorized(() => {
        stopLive()
        setRefused(true)
        setToken(null)
      }),
    [],
  )
  if (token === null) return <TokenForm refused={refused} onSaved={() => setToken(readToken())} />
  return (
    <Shell
      onForget={() => {
        stopLive()
        forgetToken()
        setRefused(false)
        setToken(null)
      }}
    />
  )
}
