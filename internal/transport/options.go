package transport

// Apply applies opts to c in order, skipping nil ones: a nil option is no
// option, as a call passes when an operation lost its params struct and the
// caller's nil now lands among the options.
func Apply[O ~func(*C), C any](c *C, opts []O) {
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
}
