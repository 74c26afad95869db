package jobs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// WithSigning signs every job this client enqueues with HMAC-SHA256 over
// its ID, name and arguments, and makes workers built on this client run
// only jobs whose signature verifies with key or one of older (kept
// during a key rotation: sign with the new key, accept both, then drop the
// old one). A job that is unsigned or whose signature does not verify is
// dead-lettered without running, with an error saying so (event
// [EventDeadLettered]). Keys must be at least 16 bytes. Signing protects
// what producers enqueued from being changed in the store; it does not
// hide it.
func WithSigning(key []byte, older ...[]byte) Option {
	return func(c *Client) error {
		keys := append([][]byte{key}, older...)
		s := &signer{}
		for i, k := range keys {
			if len(k) < 16 {
				return fmt.Errorf("jobs: WithSigning: key %d is %d bytes; want at least 16", i, len(k))
			}
			s.keys = append(s.keys, append([]byte(nil), k...))
		}
		c.signer = s
		return nil
	}
}

// signer holds the signing key first, then the keys still accepted.
type signer struct{ keys [][]byte }

// errBadSignature is the error of a job whose signature did not verify.
var errBadSignature = errors.New("payload signature did not verify")

func mac(key []byte, id, name string, args []byte) []byte {
	h := hmac.New(sha256.New, key)
	// Lengths first, so no two (id, name, args) triples hash alike.
	fmt.Fprintf(h, "%d:%s%d:%s%d:", len(id), id, len(name), name, len(args))
	h.Write(args)
	return h.Sum(nil)
}

func (s *signer) sign(id, name string, args []byte) string {
	return base64.RawStdEncoding.EncodeToString(mac(s.keys[0], id, name, args))
}

// verify checks sig against every accepted key.
func (s *signer) verify(id, name string, args []byte, sig string) error {
	if sig == "" {
		return fmt.Errorf("%w: the job is unsigned and this worker accepts only signed jobs (WithSigning)", errBadSignature)
	}
	got, err := base64.RawStdEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("%w: the signature is not base64: %v", errBadSignature, err)
	}
	for _, k := range s.keys {
		if hmac.Equal(got, mac(k, id, name, args)) {
			return nil
		}
	}
	return fmt.Errorf("%w with any of the %d accepted keys: the job's ID, name or arguments were changed after it was signed, or it was signed with another key", errBadSignature, len(s.keys))
}
