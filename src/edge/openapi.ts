// `GET /api/v1/openapi.json`: the OpenAPI 3.1 document generated from the route table and the same
// Schemas the routes decode and answer with (Schema.toJsonSchemaDocument, refs moved to
// components.schemas); error answers are documented from each route's shape.
import { JsonSchema, Schema } from "effect"
import { decodeOr, ErrorBody } from "../schema/errors.ts"
import { API, PageQuery, type Documented, type Route } from "./http/route.ts"

type Json = JsonSchema.JsonSchema

/** Collects the named definitions of every schema converted, as components.schemas. */
const createComponents = () => {
  const schemas: Record<string, Json> = {}
  const texts = new Map<string, string>()
  const add = (name: string, definition: Json) => {
    const text = JSON.stringify(definition)
    const known = texts.get(name)
    if (known !== undefined && known !== text) throw new Error(`openapi: two different schemas are named ${name}`)
    texts.set(name, text)
    schemas[name] = definition
  }
  return {
    schemas,
    /** The OpenAPI 3.1 schema of `schema`'s JSON (encoded) side, its named parts moved to components. `input`: what the
     * edge decodes, unknown fields refused (`additionalProperties: false`); an answer's objects stay open to fields
     * added later. */
    of(schema: Schema.Constraint, input = false): Json {
      const document = Schema.toJsonSchemaDocument(schema, { onExcessProperty: input ? "error" : "ignore" })
      const converted = JsonSchema.toMultiDocumentOpenApi3_1({
        dialect: document.dialect,
        schemas: [document.schema],
        definitions: document.definitions,
      })
      for (const [name, definition] of Object.entries(converted.definitions)) add(name, definition)
      return converted.schemas[0]
    },
    /** The object schema behind a `$ref` to a component, or the schema itself. */
    resolve(json: Json): Json {
      const ref = typeof json.$ref === "string" ? json.$ref.replace("#/components/schemas/", "") : undefined
      return ref === undefined ? json : (schemas[ref] ?? json)
    },
  }
}

type Components = ReturnType<typeof createComponents>

const parameters = (components: Components, schema: Schema.Constraint, location: "path" | "query"): Json[] => {
  const object = components.resolve(components.of(schema, true))
  const properties = (object.properties ?? {}) as Record<string, Json>
  const required = new Set((object.required ?? []) as string[])
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || required.has(name),
    schema: property,
  }))
}

const content = (components: Components, documented: Documented): Json =>
  documented.schema === undefined
    ? { description: documented.description }
    : {
        description: documented.description,
        content: { [documented.contentType ?? "application/json"]: { schema: components.of(documented.schema) } },
      }

/** The error answers a route can give, from what it decodes, whom it lets in and what it does. */
const errorAnswers = (route: Route): ReadonlyArray<readonly [number, string]> => {
  const answers: Array<readonly [number, string]> = []
  if (route.params !== undefined || route.query !== undefined || route.body !== undefined || route.paged === true) {
    answers.push([400, "validation_failed: the message names the field"])
  }
  if (route.access !== "public") {
    answers.push([401, "unauthorized: missing or unknown bearer token"], [403, "forbidden: this token may not make this call"])
  }
  if (route.params !== undefined) answers.push([404, "not_found"])
  if (route.command === true) answers.push([409, "conflict (or 403/404): the machine refused the command, with its reason"])
  if (route.body !== undefined) answers.push([413, "payload_too_large"])
  if (route.path.startsWith(API)) answers.push([429, "rate_limited: over CLAWBOT_RATE_LIMIT; see the Retry-After header (seconds)"])
  answers.push(
    [500, "internal: a bug, logged with its stack; nothing was accepted"],
    [503, "unavailable: Redis or Postgres unreachable, nothing was accepted (answered within 1 s)"],
  )
  return answers
}

const operation = (components: Components, route: Route): Json => {
  const error = components.of(ErrorBody)
  const responses: Record<string, Json> = {}
  for (const [status, documented] of Object.entries(route.responses)) responses[status] = content(components, documented)
  for (const [status, description] of errorAnswers(route)) {
    responses[String(status)] ??= { description, content: { "application/json": { schema: error } } }
  }
  return {
    operationId: route.name,
    summary: route.summary,
    ...(route.extension === undefined
      ? {}
      : { description: `Beyond PROTOCOL v1.1: ${route.extension}`, "x-extension": "beyond PROTOCOL v1.1" }),
    parameters: [
      ...(route.params === undefined ? [] : parameters(components, route.params, "path")),
      ...(route.query === undefined ? [] : parameters(components, route.query, "query")),
      ...(route.paged ? parameters(components, PageQuery, "query") : []),
    ],
    ...(route.body === undefined
      ? {}
      : {
          requestBody: {
            // An empty body reads as `{}`: it is required only when `{}` does not decode.
            required: !decodeOr(route.body, {}).ok,
            content: { "application/json": { schema: components.of(route.body, true) } },
          },
        }),
    ...(route.access === "public" ? {} : { security: [{ bearer: [] }] }),
    responses,
  }
}

export const openApiDocument = (routes: ReadonlyArray<Route>): Json => {
  const components = createComponents()
  const paths: Record<string, Record<string, Json>> = {}
  for (const route of routes) {
    const item = (paths[route.path] ??= {})
    item[route.method.toLowerCase()] = operation(components, route)
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Clawbot Coordinator",
      version: "1.0.0",
      description: "Sessions, tasks and agents as durable state machines. Errors are {error: {code, message, ref?}}.",
    },
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "the operator token, a viewer token (reads only) or an agent's token (itself and its tasks); reads need none with CLAWBOT_PUBLIC_READS=true",
        },
      },
    },
  }
}
