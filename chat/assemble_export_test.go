package chat

// AssemblerSize is what an Assembler holds: the bytes of its streams' text
// and pieces, plus the IDs it remembers.
func AssemblerSize(a *Assembler) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.ended.ids) + len(a.final.ids)
	for _, st := range a.streams {
		n += st.size
		if len(st.pending) > a.opts.maxPending {
			n += 1 << 30 // never
		}
	}
	return n
}
