package main

import "github.com/botpress-go/sdk/scripts/internal/tsdiff"

// knownDifferences are the differences between api/chat.yaml and
// @botpress/chat that we keep on purpose. Each matches wherever it occurs
// (a payload appears in several requests, answers and signals).
var knownDifferences = []tsdiff.Known{
	{Path: "{image}.title", What: tsdiff.OnlyOurs, Reason: "our image, audio and video payloads are api/messages.yaml's, with the optional title " +
		"that the runtime API's have; the Chat integration passes a payload's fields through both ways, so a bot's " +
		"title reaches the user, and the package's types, which leave title out, let unknown fields through"},
	{Path: "{audio}.title", What: tsdiff.OnlyOurs, Reason: "as for image"},
	{Path: "{video}.title", What: tsdiff.OnlyOurs, Reason: "as for image"},
}
