package layout

import (
	"math"
	"math/rand/v2"
	"testing"
)

// exactForce is the O(n²) sum that the tree approximates.
func exactForce(xs, ys []float64, i int) (fx, fy float64) {
	for j := range xs {
		if j == i {
			continue
		}
		dx, dy := xs[j]-xs[i], ys[j]-ys[i]
		l := dx*dx + dy*dy
		if l < 1 {
			l = math.Sqrt(l)
		}
		fx += dx / l
		fy += dy / l
	}
	return fx, fy
}

// treeForces returns the tree's force on every sorted body.
func treeForces(tree *quadtree) [][2]float64 {
	out := make([][2]float64, len(tree.keys))
	var l lists
	for i := range tree.leaves {
		lb := &tree.leaves[i]
		tree.collect(lb, &l)
		nd := tree.nodes[lb.node]
		for k := nd.lo; k < nd.hi; k++ {
			fx, fy := tree.force(&l, k, tree.bx[k], tree.by[k])
			out[k] = [2]float64{fx, fy}
		}
	}
	return out
}

func TestBarnesHutMatchesExactSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 3000
	xs, ys, live := make([]float64, n), make([]float64, n), make([]bool, n)
	for i := range xs {
		// clusters of different density, like a real layout
		c := float64(i % 5)
		xs[i] = c*200 + rng.NormFloat64()*(10+c*20)
		ys[i] = rng.NormFloat64() * (10 + c*20)
		live[i] = true
	}
	live[17] = false // a removed node takes no part
	for _, tc := range []struct {
		theta  float64
		maxErr float64 // mean relative error of the force vectors
	}{
		{1e-9, 1e-9},
		{0.5, 0.01},
		{0.9, 0.05},
	} {
		var tree quadtree
		tree.build(xs, ys, live, tc.theta)
		if int(tree.nodes[0].mass) != n-1 {
			t.Fatalf("root holds %v bodies, want %d", tree.nodes[0].mass, n-1)
		}
		exXs, exYs := make([]float64, 0, n), make([]float64, 0, n)
		for i := range xs {
			if live[i] {
				exXs, exYs = append(exXs, xs[i]), append(exYs, ys[i])
			}
		}
		var sumErr float64
		forces := treeForces(&tree)
		for k, key := range tree.keys {
			id := int(uint32(key))
			gx, gy := forces[k][0], forces[k][1]
			ei := id
			if id > 17 {
				ei--
			}
			wx, wy := exactForce(exXs, exYs, ei)
			sumErr += math.Hypot(gx-wx, gy-wy) / math.Hypot(wx, wy)
		}
		if mean := sumErr / float64(len(tree.keys)); mean > tc.maxErr {
			t.Errorf("theta %g: mean relative error %g, want at most %g", tc.theta, mean, tc.maxErr)
		}
	}
}

func TestTreeHandlesDegeneratePositions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		xs, ys []float64
	}{
		{"one node", []float64{5}, []float64{5}},
		{"all at one point", []float64{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"on a line", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := make([]bool, len(tc.xs))
			for i := range live {
				live[i] = true
			}
			var tree quadtree
			tree.build(tc.xs, tc.ys, live, 0.9)
			var sx, sy float64
			forces := treeForces(&tree)
			for k, key := range tree.keys {
				id := uint32(key)
				fx, fy := forces[k][0], forces[k][1]
				if !finite(fx) || !finite(fy) {
					t.Fatalf("force on %d is (%g, %g)", id, fx, fy)
				}
				if len(tc.xs) > 1 && fx == 0 && fy == 0 {
					t.Fatalf("no force on %d", id)
				}
				sx, sy = sx+fx, sy+fy
			}
			// pairwise forces cancel
			if math.Abs(sx) > 1e-6 || math.Abs(sy) > 1e-6 {
				t.Fatalf("forces sum to (%g, %g), want 0", sx, sy)
			}
		})
	}
}
