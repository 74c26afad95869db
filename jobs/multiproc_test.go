package jobs_test

const childRoleEnv = "SPINDLE_JOBS_TEST_CHILD"

func runChild(role string) int { return 2 }
