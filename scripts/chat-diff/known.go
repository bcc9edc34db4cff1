package main

import "strings"

// knownDifference is a difference between api/chat.yaml and @botpress/chat
// that we keep on purpose. It matches a Difference whose Path ends with Path
// and whose What is What, wherever it occurs (a payload appears in several
// requests, answers and signals). chat-diff lists each with the number of
// places it was seen, and fails when one is no longer seen (a stale entry).
type knownDifference struct {
	Path, What, Reason string
}

var knownDifferences = []knownDifference{
	{"{image}.title", onlyOurs, "our image, audio and video payloads are api/messages.yaml's, with the optional title " +
		"that the runtime API's have; the Chat integration passes a payload's fields through both ways, so a bot's " +
		"title reaches the user, and the package's types, which leave title out, let unknown fields through"},
	{"{audio}.title", onlyOurs, "as for image"},
	{"{video}.title", onlyOurs, "as for image"},
}

// knownIndex is the index in known of the entry d matches, or -1.
func knownIndex(known []knownDifference, d Difference) int {
	for i, k := range known {
		if d.What == k.What && strings.HasSuffix(d.Path, k.Path) {
			return i
		}
	}
	return -1
}
