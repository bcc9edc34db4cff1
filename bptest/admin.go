package bptest

// adminState holds what lives outside bots: the workspace and its members,
// the bots' records and the account.
type adminState struct{}

func newAdminState() *adminState { return &adminState{} }
