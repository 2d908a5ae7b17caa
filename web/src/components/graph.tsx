// An SVG drawing of a laid-out graph: nodes as labelled boxes (buttons when clickable, each with an
// accessible name), edges as paths with arrowheads and labels; classes come from the caller, so a
// node can be coloured by state, lit as current, or an edge flash as a transition happens.
import type { Layout, PlacedEdge, PlacedNode } from "./layout.ts"

interface Props {
  readonly layout: Layout
  readonly title: string
  readonly nodeClass?: (node: PlacedNode) => string
  readonly nodeLabel?: (node: PlacedNode) => string
  readonly edgeClass?: (edge: PlacedEdge) => string
  readonly onNode?: (node: PlacedNode) => void
}

const pathOf = (edge: PlacedEdge): string => {
  const [first, ...rest] = edge.points
  if (first === undefined) return ""
  return `M${first.x},${first.y}${rest.map((point) => ` L${point.x},${point.y}`).join("")}`
}

export const Graph = ({ layout, title, nodeClass, nodeLabel, edgeClass, onNode }: Props) => {
  const activate = (node: PlacedNode) => (event: KeyboardEvent) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault()
      onNode?.(node)
    }
  }
  return (
    <svg
      class="graph"
      viewBox={`-8 -8 ${layout.width + 16} ${layout.height + 16}`}
      style={{ maxWidth: `${layout.width + 16}px`, minWidth: `${Math.min(480, layout.width + 16)}px` }}
      role="group"
      aria-label={title}
    >
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
        </marker>
      </defs>
      {layout.edges.map((edge) => (
        <g key={edge.id} class={`edge ${edgeClass?.(edge) ?? ""}`} data-edge={edge.id}>
          <path d={pathOf(edge)} marker-end="url(#arrow)" />
          {edge.label && edge.labelAt ? (
            <text x={edge.labelAt.x} y={edge.labelAt.y} text-anchor="middle" dominant-baseline="middle" class="edge-label">
              {edge.label}
            </text>
          ) : null}
        </g>
      ))}
      {layout.nodes.map((node) => (
        <g
          key={node.id}
          class={`node ${nodeClass?.(node) ?? ""}`}
          data-node={node.id}
          transform={`translate(${node.x},${node.y})`}
          {...(onNode ? { role: "button", tabindex: 0, onClick: () => onNode(node), onKeyDown: activate(node) } : { role: "img" })}
          aria-label={nodeLabel?.(node) ?? node.label}
        >
          <rect width={node.width} height={node.height} rx="8" />
          <text x={node.width / 2} y={node.height / 2} text-anchor="middle" dominant-baseline="central">
            {node.label}
          </text>
        </g>
      ))}
    </svg>
  )
}
