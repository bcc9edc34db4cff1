package bptest

// ChatListenersRunning returns how many listenConversation handlers are
// running: a stream cut by the server ends its handler.
func ChatListenersRunning(s *Server) int64 { return s.chatListening.Load() }
