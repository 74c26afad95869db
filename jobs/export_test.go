package jobs

// ArgsHash exposes the canonical-JSON hash that unique keys and lock
// names use, so tests can name the leases.
var ArgsHash = argsHash
