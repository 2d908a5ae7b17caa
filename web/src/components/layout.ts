// Graph layout with ELK's layered algorithm (elkjs, loaded on first use as its own chunk): nodes get
// positions, edges their routed points and label positions. Used for session DAGs and statecharts.
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api"

export interface GraphNode {
  readonly id: string
  readonly label: string
  readonly width?: number
}
export interface GraphEdge {
  readonly id: string
  readonly source: string
  readonly target: string
  readonly label?: string
}

export interface Point {
  readonly x: number
  readonly y: number
}
export interface PlacedNode extends GraphNode {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}
export interface PlacedEdge extends GraphEdge {
  readonly points: ReadonlyArray<Point>
  readonly labelAt?: Point
}
export interface Layout {
  readonly width: number
  readonly height: number
  readonly nodes: ReadonlyArray<PlacedNode>
  readonly edges: ReadonlyArray<PlacedEdge>
}

const NODE_HEIGHT = 36
const CHAR_WIDTH = 7
const textWidth = (text: string): number => Math.max(40, text.length * CHAR_WIDTH + 16)

let engine: Promise<{ layout(graph: ElkNode): Promise<ElkNode> }> | undefined
const elk = () => (engine ??= import("./elk-engine.ts").then(({ createEngine }) => createEngine()))

export const layoutGraph = async (
  nodes: ReadonlyArray<GraphNode>,
  edges: ReadonlyArray<GraphEdge>,
  direction: "RIGHT" | "DOWN",
): Promise<Layout> => {
  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": direction,
      "elk.layered.spacing.nodeNodeBetweenLayers": "48",
      "elk.spacing.nodeNode": "24",
      "elk.spacing.edgeLabel": "4",
      "elk.edgeRouting": "ORTHOGONAL",
    },
    children: nodes.map((node) => ({ id: node.id, width: node.width ?? textWidth(node.label), height: NODE_HEIGHT })),
    edges: edges.map(
      (edge): ElkExtendedEdge => ({
        id: edge.id,
        sources: [edge.source],
        targets: [edge.target],
        ...(edge.label === undefined ? {} : { labels: [{ text: edge.label, width: textWidth(edge.label) - 12, height: 14 }] }),
      }),
    ),
  }
  const placed = await (await elk()).layout(graph)
  const byId = new Map(nodes.map((node) => [node.id, node]))
  return {
    width: placed.width ?? 0,
    height: placed.height ?? 0,
    nodes: (placed.children ?? []).map((child) => ({
      ...byId.get(child.id)!,
      x: child.x ?? 0,
      y: child.y ?? 0,
      width: child.width ?? 0,
      height: child.height ?? 0,
    })),
    edges: ((placed.edges ?? []) as ElkExtendedEdge[]).map((edge, index) => {
      const section = edge.sections?.[0]
      const points = section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] : []
      const label = edge.labels?.[0]
      return {
        ...edges[index]!,
        points,
        ...(label ? { labelAt: { x: (label.x ?? 0) + (label.width ?? 0) / 2, y: (label.y ?? 0) + (label.height ?? 0) / 2 } } : {}),
      }
    }),
  }
}
