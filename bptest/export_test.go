package bptest

// ChatListenersRunning returns how many listenConversation handlers are
// running: a stream cut by the server ends its handler.
func ChatListenersRunning(s *Server) int64 { return s.chatListening.Load() }

// LargeBodiesWaiting returns how many requests wait to have their large
// body admitted.
func LargeBodiesWaiting(s *Server) int64 { return s.largeWaiting.Load() }
