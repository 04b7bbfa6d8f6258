package layout

import "sync"

// pool runs a job on a fixed set of goroutines, started once, so that a tick spawns nothing
// and allocates nothing. The calling goroutine is worker 0. Between runs the pool holds no
// reference to the job's owner, so a Sim that is dropped can be collected and its cleanup
// stops the workers.
type pool struct {
	start []chan struct{} // one per extra worker
	quit  chan struct{}
	done  sync.WaitGroup
	job   func(worker int)
}

// newPool starts workers-1 goroutines.
func newPool(workers int) *pool {
	p := &pool{quit: make(chan struct{})}
	for w := 1; w < workers; w++ {
		ch := make(chan struct{})
		p.start = append(p.start, ch)
		go p.loop(w, ch)
	}
	return p
}

func (p *pool) loop(w int, start <-chan struct{}) {
	for {
		select {
		case <-start:
			p.job(w)
			p.done.Done()
		case <-p.quit:
			return
		}
	}
}

// run calls job(w) once on every worker and returns when all calls have returned.
func (p *pool) run(job func(worker int)) {
	p.job = job
	p.done.Add(len(p.start))
	for _, ch := range p.start {
		ch <- struct{}{}
	}
	job(0)
	p.done.Wait()
	p.job = nil
}

// stop ends the worker goroutines.
func (p *pool) stop() { close(p.quit) }
