package postgres_test

const childRoleEnv = "SPINDLE_PG_TEST_CHILD"

func runChild(role string) int { return 2 }
