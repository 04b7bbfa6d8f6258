package dag

import "fmt"

// MarshalText encodes the kind as its String form, so JSON output reads "event", "object" or
// "file".
func (k Kind) MarshalText() ([]byte, error) {
	if k > KindFile {
		return nil, fmt.Errorf("dag: cannot encode unknown %s", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText parses "event", "object" or "file".
func (k *Kind) UnmarshalText(text []byte) error {
	for _, c := range []Kind{KindEvent, KindObject, KindFile} {
		if string(text) == c.String() {
			*k = c
			return nil
		}
	}
	return fmt.Errorf("dag: unknown node kind %q (want event, object or file)", text)
}

// MarshalText encodes the edge kind as its String form: "previous", "parent" or "link".
func (k EdgeKind) MarshalText() ([]byte, error) {
	if k > EdgeLink {
		return nil, fmt.Errorf("dag: cannot encode unknown %s", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText parses "previous", "parent" or "link".
func (k *EdgeKind) UnmarshalText(text []byte) error {
	for _, c := range []EdgeKind{EdgePrevious, EdgeParent, EdgeLink} {
		if string(text) == c.String() {
			*k = c
			return nil
		}
	}
	return fmt.Errorf("dag: unknown edge kind %q (want previous, parent or link)", text)
}
