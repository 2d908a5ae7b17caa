// The dashboard's entry: mounts the app (docs/dashboard.md).
import { render } from "preact"
import { App } from "./app.tsx"
import "./styles.css"

render(<App />, document.getElementById("app")!)
