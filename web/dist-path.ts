// Where `npm run build:web` writes the dashboard and where every edge serves it from (`GET /`): the one
// place both read, so the build and the server cannot disagree. The built files are committed, so a
// fresh `npm install && npm start` serves the dashboard with no build step.
import { fileURLToPath } from "node:url"

export const WEB_DIST = fileURLToPath(new URL("./dist/", import.meta.url))
