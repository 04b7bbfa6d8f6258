package components

import "github.com/yohamta/donburi"

// RejectedData is what a rejected-message node holds beside its DddElement.
type RejectedData struct {
	// Reason says why the message failed verification.
	Reason string
	// Subject is the NATS subject it arrived on.
	Subject string
}

// Rejected is the component type of RejectedData.
var Rejected = donburi.NewComponentType[RejectedData]()
