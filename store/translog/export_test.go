package translog

// WithProofFault returns cfg with a fault injected into the witness's consistency checks:
// while fault returns an error for a checkpoint, its tiles read as that error.
func WithProofFault(cfg WitnessConfig, fault func(*Checkpoint) error) WitnessConfig {
	cfg.proofFault = fault
	return cfg
}
