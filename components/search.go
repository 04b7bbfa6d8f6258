package components

import "github.com/yohamta/donburi"

// SearchData is the search prompt, a singleton: while Open it takes the keyboard.
type SearchData struct {
	Open  bool
	Query []rune
}

// Search is the component type of the SearchData singleton.
var Search = donburi.NewComponentType[SearchData]()
