package ecs

import (
	"github.com/yohamta/donburi"
	donburiecs "github.com/yohamta/donburi/ecs"
)

// Graph owns the donburi world of the live graph model. Skeleton: filled in next.
type Graph struct {
	world  donburi.World
	ecs    *donburiecs.ECS
	retire stageStub
	sync   stageStub
}

type stageStub struct{}

func (stageStub) Update(*donburiecs.ECS) {}

func (g *Graph) ingest(*donburiecs.ECS)      {}
func (g *Graph) updateStats(*donburiecs.ECS) {}
