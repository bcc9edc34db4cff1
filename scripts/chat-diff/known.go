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
	// The signals of a streamed bot reply, which Botpress's chat-api 1.x
	// sends and @botpress/chat 0.5.5 does not know.
	{Operation: "signal message_stream_delta", What: tsdiff.OnlyOurs, Reason: streamSignalReason},
	{Operation: "signal message_stream_complete", What: tsdiff.OnlyOurs, Reason: "as for message_stream_delta"},
	{Operation: "signal message_stream_abort", What: tsdiff.OnlyOurs, Reason: "as for message_stream_delta"},
}

// streamSignalReason is why the three signals of a streamed reply are ours
// only.
const streamSignalReason = "newer than @botpress/chat 0.5.5: a signal of a streamed bot reply, which Botpress's " +
	"chat-api 1.x sends; its shape comes from Botpress's source (packages/chat-api/src/signals.ts) at the commit " +
	"named in api/chat.yaml's info.x-botpress-chat-source"
