package message

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// Unknown is a payload of a type this package does not model, kept as the
// JSON it came as; or one you build by hand to send any JSON under any type.
// Its JSON is Raw, as is ({} when Raw is empty).
type Unknown struct {
	// Type is the message type.
	Type string
	// Raw is the payload's JSON object, without the type.
	Raw json.RawMessage
}

// MessageType returns u.Type.
func (u *Unknown) MessageType() string {
	if u == nil {
		return ""
	}
	return u.Type
}

// MarshalJSON returns Raw, or {} when it is empty.
func (u Unknown) MarshalJSON() ([]byte, error) {
	if len(u.Raw) == 0 {
		return []byte("{}"), nil
	}
	return u.Raw, nil
}

// Raw is a payload as JSON, the way answers carry it (gen.Message.Payload).
// Decode turns it into a Payload given the message's type.
type Raw json.RawMessage

// MarshalJSON returns r, or null when it is empty.
func (r Raw) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// UnmarshalJSON keeps a copy of data.
func (r *Raw) UnmarshalJSON(data []byte) error {
	if r == nil {
		return errors.New("message: UnmarshalJSON on a nil *Raw")
	}
	*r = append((*r)[:0], data...)
	return nil
}

// String returns the JSON text.
func (r Raw) String() string { return string(r) }

// Decode reads a payload in the runtime API's form, the JSON of the payload
// without its type, as the Go value of the message type typ: a
// *TextPayload for "text", a *ChoicePayload for "choice", and so on, or an
// *Unknown holding a copy of the JSON for a type this package does not know.
// An empty payload or null gives the zero payload of the type. It fails
// when the JSON is not an object or a field has the wrong JSON type.
//
// It accepts a Raw, a json.RawMessage or a []byte.
func Decode(typ string, payload []byte) (Payload, error) {
	p := newPayload(typ)
	if p == nil {
		var raw json.RawMessage
		if len(payload) > 0 {
			raw = bytes.Clone(payload)
		}
		return &Unknown{Type: typ, Raw: raw}, nil
	}
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return p, nil
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("message: a %s payload must be a JSON object", typ)
	}
	if err := json.Unmarshal(trimmed, p); err != nil {
		return nil, fmt.Errorf("message: decoding a %s payload: %w", typ, err)
	}
	return p, nil
}

// The structs with a list always write it, as [] when it is nil: the API
// requires these lists.

// MarshalJSON writes the card, with [] for no actions.
func (c CardPayload) MarshalJSON() ([]byte, error) {
	type plain CardPayload
	if c.Actions == nil {
		c.Actions = []CardAction{}
	}
	return json.Marshal(plain(c))
}

// MarshalJSON writes the carousel, with [] for no cards.
func (c CarouselPayload) MarshalJSON() ([]byte, error) {
	type plain CarouselPayload
	if c.Items == nil {
		c.Items = []CardPayload{}
	}
	return json.Marshal(plain(c))
}

// MarshalJSON writes the choice, with [] for no options.
func (c ChoicePayload) MarshalJSON() ([]byte, error) {
	type plain ChoicePayload
	if c.Options == nil {
		c.Options = []ChoiceOption{}
	}
	return json.Marshal(plain(c))
}

// MarshalJSON writes the dropdown, with [] for no options.
func (d DropdownPayload) MarshalJSON() ([]byte, error) {
	type plain DropdownPayload
	if d.Options == nil {
		d.Options = []ChoiceOption{}
	}
	return json.Marshal(plain(d))
}

// MarshalJSON writes the bloc, with [] for no items.
func (b BlocPayload) MarshalJSON() ([]byte, error) {
	type plain BlocPayload
	if b.Items == nil {
		b.Items = []BlocItem{}
	}
	return json.Marshal(plain(b))
}

// blocItemJSON is a bloc item on the runtime API's wire.
type blocItemJSON struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// MarshalJSON writes {"type", "payload"}, taking the type from the payload
// when Type is empty.
func (b BlocItem) MarshalJSON() ([]byte, error) {
	typ := b.Type
	if typ == "" && b.Payload != nil {
		typ = b.Payload.MessageType()
	}
	payload, err := json.Marshal(b.Payload)
	if err != nil {
		return nil, fmt.Errorf("message: bloc item of type %s: %w", typ, err)
	}
	return json.Marshal(blocItemJSON{Type: typ, Payload: payload})
}

// UnmarshalJSON reads {"type", "payload"}, decoding the payload as Decode does.
func (b *BlocItem) UnmarshalJSON(data []byte) error {
	var w blocItemJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	p, err := Decode(w.Type, w.Payload)
	if err != nil {
		return err
	}
	b.Type, b.Payload = w.Type, p
	return nil
}

// EncodeWithType writes a payload in the Chat API's form, with its type
// inside: {"type":"text","text":"hi"}. The parts of a bloc are written the
// same way, flat, and the cards of a carousel carry "type":"card". A "type"
// field that the payload's own JSON holds is replaced.
func EncodeWithType(p Payload) ([]byte, error) {
	if isNil(p) {
		return nil, errors.New("message: EncodeWithType of a nil payload")
	}
	return encodeAs(p.MessageType(), p)
}

// encodeAs writes p in the Chat API's form under the type typ.
func encodeAs(typ string, p Payload) ([]byte, error) {
	if typ == "" {
		return nil, errors.New("message: a payload without a message type cannot be written with its type")
	}
	var body []byte
	var err error
	switch v := p.(type) {
	case *BlocPayload:
		items := make([]json.RawMessage, 0, len(v.Items))
		for i, it := range v.Items {
			if isNil(it.Payload) {
				return nil, fmt.Errorf("message: bloc item %d has no payload", i)
			}
			t := it.Type
			if t == "" {
				t = it.Payload.MessageType()
			}
			b, err := encodeAs(t, it.Payload)
			if err != nil {
				return nil, fmt.Errorf("message: bloc item %d: %w", i, err)
			}
			items = append(items, b)
		}
		body, err = json.Marshal(struct {
			Items []json.RawMessage `json:"items"`
		}{items})
	case *CarouselPayload:
		cards := make([]json.RawMessage, 0, len(v.Items))
		for i := range v.Items {
			b, err := encodeAs(TypeCard, &v.Items[i])
			if err != nil {
				return nil, err
			}
			cards = append(cards, b)
		}
		body, err = json.Marshal(struct {
			Items []json.RawMessage `json:"items"`
		}{cards})
	case *TextPayload, *MarkdownPayload, *ImagePayload, *AudioPayload, *VideoPayload, *FilePayload,
		*LocationPayload, *CardPayload, *ChoicePayload, *DropdownPayload:
		// No "type" field of their own: put it first.
		if body, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("message: encoding a %s payload: %w", typ, err)
		}
		return prependType(typ, body)
	default:
		return mergeType(typ, p)
	}
	if err != nil {
		return nil, fmt.Errorf("message: encoding a %s payload: %w", typ, err)
	}
	return prependType(typ, body)
}

// prependType adds "type":typ at the start of a JSON object that has no
// "type" of its own.
func prependType(typ string, obj []byte) ([]byte, error) {
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' {
		return nil, fmt.Errorf("message: a %s payload must be a JSON object", typ)
	}
	t, err := json.Marshal(typ)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(obj)+len(t)+9)
	out = append(out, `{"type":`...)
	out = append(out, t...)
	if rest := bytes.TrimSpace(obj[1:]); len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, obj[1:]...), nil
}

// mergeType writes a payload whose JSON may hold anything, with "type" set
// to typ.
func mergeType(typ string, p Payload) ([]byte, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("message: encoding a %s payload: %w", typ, err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("message: a %s payload must be a JSON object", typ)
	}
	t, err := json.Marshal(typ)
	if err != nil {
		return nil, err
	}
	fields["type"] = t
	return json.Marshal(fields)
}

// DecodeWithType reads a payload in the Chat API's form, with its type
// inside, as Decode does: the type picks the Go value, and an *Unknown keeps
// the JSON without its type. The parts of a bloc are read flat too.
func DecodeWithType(data []byte) (Payload, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return nil, errors.New("message: a payload must be a JSON object")
	}
	var typ string
	if err := json.Unmarshal(fields["type"], &typ); err != nil || typ == "" {
		return nil, errors.New(`message: the payload has no "type" string`)
	}
	switch typ {
	case TypeBloc:
		var w struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, fmt.Errorf("message: decoding a bloc payload: %w", err)
		}
		b := &BlocPayload{Items: make([]BlocItem, 0, len(w.Items))}
		for i, raw := range w.Items {
			p, err := DecodeWithType(raw)
			if err != nil {
				return nil, fmt.Errorf("message: bloc item %d: %w", i, err)
			}
			b.Items = append(b.Items, BlocItem{Type: p.MessageType(), Payload: p})
		}
		return b, nil
	}
	if newPayload(typ) != nil {
		// The structs have no "type" field: json ignores it.
		return Decode(typ, data)
	}
	delete(fields, "type")
	raw, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	return &Unknown{Type: typ, Raw: raw}, nil
}

// isNil reports whether p is nil or holds a nil pointer.
func isNil(p Payload) bool {
	if p == nil {
		return true
	}
	v := reflect.ValueOf(p)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
