package cli

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Tests name their stores; one from the environment must not leak in.
	os.Unsetenv(defaultStoreEnv)
	goleak.VerifyTestMain(m)
}
