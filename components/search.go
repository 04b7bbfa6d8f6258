package components

import "github.com/yohamta/donburi"

// SearchData is the search prompt, a singleton: while Open it takes the keyboard.
type SearchData struct {
	Open  bool
	Query []rune
	// Count is the number of nodes the query being typed matches (shown in the prompt).
	Count int
	// Term is the last query run; Matches are its nodes, best first, and Pos the one the
	// window is on (n and Enter step on).
	Term    string
	Matches []donburi.Entity
	Pos     int
}

// Search is the component type of the SearchData singleton.
var Search = donburi.NewComponentType[SearchData]()
