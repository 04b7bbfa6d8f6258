package ecs

// maxInterned bounds the distinct strings an interner keeps, so that a store with a new event
// type in every event (junk, or an attack) costs no more than without interning.
const maxInterned = 4096

// interner hands out one copy of each string it has seen (event types and object kinds: a
// store has a handful, and every node holds one).
type interner struct{ m map[string]string }

func (in *interner) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in.m[s]; ok {
		return v
	}
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}
