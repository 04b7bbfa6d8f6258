package dag

import "errors"

// Sentinel errors; test for them with errors.Is.
var (
	// ErrUnknownNode means a CID names no node of the DAG.
	ErrUnknownNode = errors.New("unknown node")
	// ErrWouldCycle means an edge was refused because the DAG already holds a path from its
	// target back to its source (or the edge points a node at itself).
	ErrWouldCycle = errors.New("edge would create a cycle")
	// ErrNoPath means no path joins two nodes along edge direction.
	ErrNoPath = errors.New("no path")
	// ErrInvalidEdge means an edge's kind or link name is not usable: an unknown EdgeKind, an
	// EdgeLink without a link name, or a link name on a Previous or Parent edge.
	ErrInvalidEdge = errors.New("invalid edge")
	// ErrTooLarge means the DAG holds as many nodes or edges as its 32-bit indices allow.
	ErrTooLarge = errors.New("dag too large")
)
