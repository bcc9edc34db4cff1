package message_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/api"
	"github.com/botpress-go/sdk/message"
)

// every returns one payload of each standard type, with its optional
// fields set, plus an Unknown.
func every() []message.Payload {
	img := message.Image("https://example.com/a.png")
	img.Title = "A"
	file := message.File("https://example.com/a.pdf")
	file.Title = "a.pdf"
	loc := message.Location(45.5, -73.6)
	loc.Address, loc.Title = "1 Main St", "Office"
	card := message.Card("Plan", message.URLAction("Docs", "https://example.com"),
		message.PostbackAction("Buy", "buy"), message.SayAction("Help", "help me"))
	card.Subtitle, card.ImageURL = "Monthly", "https://example.com/p.png"
	audio := message.Audio("https://example.com/a.mp3")
	audio.Title = "Song"
	video := message.Video("https://example.com/a.mp4")
	video.Title = "Clip"
	return []message.Payload{
		message.Text("hi"),
		message.Markdown("**hi**"),
		img, audio, video, file, loc, card,
		message.Carousel(card, message.Card("Empty")),
		message.Choice("Billing or bug?", message.Option("Billing", "billing"), message.Option("Bug", "bug")),
		message.Dropdown("Country?", message.Option("Canada", "ca")),
		message.Bloc(message.Text("a"), message.Markdown("b"), img, audio, video, file, loc,
			&message.Unknown{Type: "poll", Raw: json.RawMessage(`{"q":"?"}`)}),
		&message.Unknown{Type: "poll", Raw: json.RawMessage(`{"q":"Lunch?","n":2}`)},
	}
}

// TestRoundTrip: construct, encode, decode, compare, in both wire forms.
func TestRoundTrip(t *testing.T) {
	for _, p := range every() {
		t.Run(p.MessageType(), func(t *testing.T) {
			// Runtime API: the payload without its type, the type beside it.
			b, err := json.Marshal(p)
			require.NoError(t, err)
			got, err := message.Decode(p.MessageType(), b)
			require.NoError(t, err)
			assert.Equal(t, p, got)

			// Chat API: the type inside.
			c, err := message.EncodeWithType(p)
			require.NoError(t, err)
			var head struct{ Type string }
			require.NoError(t, json.Unmarshal(c, &head))
			assert.Equal(t, p.MessageType(), head.Type)
			got, err = message.DecodeWithType(c)
			require.NoError(t, err)
			if u, ok := p.(*message.Unknown); ok {
				// Same JSON, maybe another key order.
				g := got.(*message.Unknown)
				assert.Equal(t, u.Type, g.Type)
				assert.JSONEq(t, string(u.Raw), string(g.Raw))
				return
			}
			if b, ok := p.(*message.BlocPayload); ok {
				// The Unknown part comes back with its keys re-encoded.
				g := got.(*message.BlocPayload)
				require.Len(t, g.Items, len(b.Items))
				last := len(b.Items) - 1
				assert.Equal(t, b.Items[:last], g.Items[:last])
				assert.JSONEq(t, `{"q":"?"}`, string(g.Items[last].Payload.(*message.Unknown).Raw))
				return
			}
			assert.Equal(t, p, got)
		})
	}
}

// TestDecodeRuntimeJSON decodes payloads as the runtime API writes them.
func TestDecodeRuntimeJSON(t *testing.T) {
	cases := []struct {
		typ, json string
		want      message.Payload
	}{
		{"text", `{"text":"Hello"}`, message.Text("Hello")},
		{"markdown", `{"markdown":"# Hi"}`, message.Markdown("# Hi")},
		{"image", `{"imageUrl":"https://x/i.png","title":"Logo"}`, &message.ImagePayload{ImageURL: "https://x/i.png", Title: "Logo"}},
		{"audio", `{"audioUrl":"https://x/a.mp3"}`, message.Audio("https://x/a.mp3")},
		{"video", `{"videoUrl":"https://x/v.mp4","title":"T"}`, &message.VideoPayload{VideoURL: "https://x/v.mp4", Title: "T"}},
		{"file", `{"fileUrl":"https://x/f.pdf","title":"f.pdf"}`, &message.FilePayload{FileURL: "https://x/f.pdf", Title: "f.pdf"}},
		{"location", `{"latitude":48.85,"longitude":2.35,"address":"Paris","title":"Here"}`,
			&message.LocationPayload{Latitude: 48.85, Longitude: 2.35, Address: "Paris", Title: "Here"}},
		{"card", `{"title":"T","subtitle":"S","imageUrl":"https://x/i.png","actions":[{"action":"url","label":"Go","value":"https://x"},{"action":"postback","label":"P","value":"p"},{"action":"say","label":"S","value":"s"}]}`,
			&message.CardPayload{Title: "T", Subtitle: "S", ImageURL: "https://x/i.png", Actions: []message.CardAction{
				{Action: message.ActionKindURL, Label: "Go", Value: "https://x"},
				{Action: message.ActionKindPostback, Label: "P", Value: "p"},
				{Action: message.ActionKindSay, Label: "S", Value: "s"}}}},
		{"carousel", `{"items":[{"title":"A","actions":[]},{"title":"B","actions":[{"action":"say","label":"b","value":"b"}]}]}`,
			message.Carousel(message.Card("A"), message.Card("B", message.SayAction("b", "b")))},
		{"choice", `{"text":"Pick","options":[{"label":"One","value":"1"},{"label":"Two","value":"2"}]}`,
			message.Choice("Pick", message.Option("One", "1"), message.Option("Two", "2"))},
		{"dropdown", `{"text":"Pick","options":[{"label":"One","value":"1"}]}`,
			message.Dropdown("Pick", message.Option("One", "1"))},
		{"bloc", `{"items":[{"type":"text","payload":{"text":"a"}},{"type":"markdown","payload":{"markdown":"b"}},{"type":"image","payload":{"imageUrl":"https://x/i.png"}},{"type":"location","payload":{"latitude":1,"longitude":2}}]}`,
			message.Bloc(message.Text("a"), message.Markdown("b"), message.Image("https://x/i.png"), message.Location(1, 2))},
		// Fields a type does not define are dropped.
		{"text", `{"text":"x","extra":true}`, message.Text("x")},
		// An empty or null payload is the zero payload of its type.
		{"text", ``, &message.TextPayload{}},
		{"choice", `null`, &message.ChoicePayload{}},
	}
	for _, c := range cases {
		got, err := message.Decode(c.typ, []byte(c.json))
		require.NoError(t, err, c.json)
		assert.Equal(t, c.want, got, c.json)
	}
}

// TestDecodeChatJSON decodes payloads as the Chat API writes them: the type
// inside, flat bloc parts, cards typed inside a carousel.
func TestDecodeChatJSON(t *testing.T) {
	cases := []struct {
		json string
		want message.Payload
	}{
		{`{"type":"text","text":"hi"}`, message.Text("hi")},
		{`{"type":"image","imageUrl":"https://x/i.png"}`, message.Image("https://x/i.png")},
		{`{"type":"carousel","items":[{"type":"card","title":"A","actions":[{"action":"url","label":"Go","value":"https://x"}]}]}`,
			message.Carousel(message.Card("A", message.URLAction("Go", "https://x")))},
		{`{"text":"Pick","options":[{"label":"A","value":"a"}],"type":"choice"}`, message.Choice("Pick", message.Option("A", "a"))},
		{`{"type":"bloc","items":[{"type":"text","text":"a"},{"type":"file","fileUrl":"https://x/f","title":"f"},{"type":"location","latitude":1.5,"longitude":-2}]}`,
			message.Bloc(message.Text("a"), &message.FilePayload{FileURL: "https://x/f", Title: "f"}, message.Location(1.5, -2))},
		{`{"type":"poll","question":"?"}`, &message.Unknown{Type: "poll", Raw: json.RawMessage(`{"question":"?"}`)}},
	}
	for _, c := range cases {
		got, err := message.DecodeWithType([]byte(c.json))
		require.NoError(t, err, c.json)
		assert.Equal(t, c.want, got, c.json)
	}
}

// TestEncodeWithType checks the exact Chat API JSON.
func TestEncodeWithType(t *testing.T) {
	cases := []struct {
		p    message.Payload
		want string
	}{
		{message.Text("hi"), `{"type":"text","text":"hi"}`},
		{message.Location(1, 2), `{"type":"location","latitude":1,"longitude":2}`},
		{message.Carousel(message.Card("A")), `{"type":"carousel","items":[{"type":"card","actions":[],"title":"A"}]}`},
		{message.Bloc(message.Text("a"), message.Image("u")), `{"type":"bloc","items":[{"type":"text","text":"a"},{"type":"image","imageUrl":"u"}]}`},
		{&message.Unknown{Type: "poll", Raw: json.RawMessage(`{"q":"?","type":"old"}`)}, `{"q":"?","type":"poll"}`},
		{&message.Unknown{Type: "empty"}, `{"type":"empty"}`},
		{&message.BlocPayload{}, `{"type":"bloc","items":[]}`},
	}
	for _, c := range cases {
		got, err := message.EncodeWithType(c.p)
		require.NoError(t, err)
		assert.Equal(t, c.want, string(got))
	}
}

// TestUnknownKeepsJSON: a type the package does not know keeps its JSON, byte
// for byte, through Decode and json.Marshal; in a bloc too.
func TestUnknownKeepsJSON(t *testing.T) {
	raw := `{"question":"Lunch?","answers":[1,2.50,"x"],"nested":{"a":null}}`
	p, err := message.Decode("poll", []byte(raw))
	require.NoError(t, err)
	u, ok := p.(*message.Unknown)
	require.True(t, ok)
	assert.Equal(t, "poll", u.MessageType())
	assert.Equal(t, raw, string(u.Raw))
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Equal(t, raw, string(b))

	bloc := `{"items":[{"type":"text","payload":{"text":"a"}},{"type":"sticker","payload":{"id":7}}]}`
	p, err = message.Decode("bloc", []byte(bloc))
	require.NoError(t, err)
	items := p.(*message.BlocPayload).Items
	require.Len(t, items, 2)
	assert.Equal(t, &message.Unknown{Type: "sticker", Raw: json.RawMessage(`{"id":7}`)}, items[1].Payload)
	b, err = json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, bloc, string(b))

	// Unknown is also how to send any JSON under any type, say from a map.
	fields, err := json.Marshal(map[string]any{"text": "from a map", "extra": 1})
	require.NoError(t, err)
	p = &message.Unknown{Type: "text", Raw: fields}
	b, err = json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"text":"from a map","extra":1}`, string(b))
	b, err = message.EncodeWithType(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"text","text":"from a map","extra":1}`, string(b))
}

// TestBlocItemTypeFromPayload: a bloc part built by hand without a type
// takes its payload's.
func TestBlocItemTypeFromPayload(t *testing.T) {
	b := &message.BlocPayload{Items: []message.BlocItem{{Payload: message.Text("a")}}}
	out, err := json.Marshal(b)
	require.NoError(t, err)
	assert.JSONEq(t, `{"items":[{"type":"text","payload":{"text":"a"}}]}`, string(out))
}

// TestListsAreNeverNull: the API requires actions, items and options; a nil
// list is written [].
func TestListsAreNeverNull(t *testing.T) {
	for _, p := range []message.Payload{&message.CardPayload{Title: "t"}, &message.CarouselPayload{},
		&message.ChoicePayload{Text: "t"}, &message.DropdownPayload{Text: "t"}, &message.BlocPayload{}} {
		b, err := json.Marshal(p)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "null", p.MessageType())
	}
	assert.Equal(t, &message.CarouselPayload{Items: []message.CardPayload{}}, message.Carousel(nil))
	assert.Equal(t, &message.BlocPayload{Items: []message.BlocItem{}}, message.Bloc(nil))
}

// TestErrors: bad input is an error, never a panic.
func TestErrors(t *testing.T) {
	for _, c := range []struct{ typ, json string }{
		{"text", `"hi"`}, {"text", `{"text":5}`}, {"location", `{"latitude":"north"}`},
		{"bloc", `{"items":[{"type":"text","payload":{"text":1}}]}`}, {"choice", `{`},
	} {
		_, err := message.Decode(c.typ, []byte(c.json))
		assert.Error(t, err, c.json)
	}
	var nilText *message.TextPayload
	for _, p := range []message.Payload{nil, nilText, &message.Unknown{Raw: json.RawMessage(`{}`)},
		&message.Unknown{Type: "x", Raw: json.RawMessage(`[1]`)},
		&message.BlocPayload{Items: []message.BlocItem{{Type: "text"}}}} {
		_, err := message.EncodeWithType(p)
		assert.Error(t, err, "%#v", p)
	}
	for _, s := range []string{`[]`, `{}`, `{"type":1}`, `null`, `{"type":"bloc","items":[{"text":"no type"}]}`, `{"type":"text","text":1}`} {
		_, err := message.DecodeWithType([]byte(s))
		assert.Error(t, err, s)
	}
	_, err := json.Marshal(&message.Unknown{Type: "x", Raw: json.RawMessage(`{not json`)})
	assert.Error(t, err)
}

// TestRaw: the payload of an answer, as JSON.
func TestRaw(t *testing.T) {
	var m struct {
		Type    string      `json:"type"`
		Payload message.Raw `json:"payload"`
	}
	in := `{"type":"choice","payload":{"text":"Pick","options":[{"label":"A","value":"a"}]}}`
	require.NoError(t, json.Unmarshal([]byte(in), &m))
	assert.Equal(t, `{"text":"Pick","options":[{"label":"A","value":"a"}]}`, m.Payload.String())
	p, err := message.Decode(m.Type, m.Payload)
	require.NoError(t, err)
	assert.Equal(t, message.Choice("Pick", message.Option("A", "a")), p)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	assert.Equal(t, in, string(out))
	b, err := json.Marshal(message.Raw(nil))
	require.NoError(t, err)
	assert.Equal(t, "null", string(b))
}

// TestSchemasMatchGo checks package message against api/messages.yaml: one
// Go type per payload schema, named after it, for each of Types(); and the
// JSON of a zero payload holds every required property.
func TestSchemasMatchGo(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Messages)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(t.Context()))
	var types []string
	for name, ref := range doc.Components.Schemas {
		typ, ok := ref.Value.Extensions["x-botpress-message-type"].(string)
		if !ok {
			continue
		}
		types = append(types, typ)
		p, err := message.Decode(typ, nil)
		require.NoError(t, err)
		assert.Equal(t, name, reflect.TypeOf(p).Elem().Name(), typ)
		assert.Equal(t, typ, p.MessageType())
		b, err := json.Marshal(p)
		require.NoError(t, err)
		var fields map[string]any
		require.NoError(t, json.Unmarshal(b, &fields))
		for _, r := range ref.Value.Required {
			assert.Contains(t, fields, r, "%s: required %s", name, r)
		}
		assert.NotEmpty(t, ref.Value.Description, name)
	}
	want := message.Types()
	slices.Sort(want)
	slices.Sort(types)
	assert.Equal(t, want, types)
}

// FuzzDecode: any input decodes or fails, never panics, and what decodes
// encodes again in both forms.
func FuzzDecode(f *testing.F) {
	for _, p := range every() {
		b, _ := json.Marshal(p)
		f.Add(p.MessageType(), b)
		c, _ := message.EncodeWithType(p)
		f.Add("", c)
	}
	f.Add("bloc", []byte(`{"items":[{"type":"bloc","payload":{"items":[]}}]}`))
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		if p, err := message.Decode(typ, data); err == nil {
			_, _ = json.Marshal(p)
			_, _ = message.EncodeWithType(p)
		}
		if p, err := message.DecodeWithType(data); err == nil {
			_, _ = json.Marshal(p)
			_, _ = message.EncodeWithType(p)
		}
	})
}
