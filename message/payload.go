package message

// Payload is the content of a message. The payload types of this package
// implement it on their pointers (*TextPayload, *ChoicePayload, ...), as does
// *Unknown; a type of your own may implement it too, to send a message type
// that an integration defines. Its JSON (json.Marshal) is the payload as the
// runtime API carries it, without the type.
type Payload interface {
	// MessageType is the type of message this payload makes: "text",
	// "image", "choice", ...
	MessageType() string
}

// BlocElement is a payload that may be one part of a bloc: text, markdown,
// image, audio, video, file, location, or an *Unknown.
type BlocElement interface {
	Payload
	blocElement()
}

// The standard message types, as the API names them.
const (
	TypeText     = "text"
	TypeMarkdown = "markdown"
	TypeImage    = "image"
	TypeAudio    = "audio"
	TypeVideo    = "video"
	TypeFile     = "file"
	TypeLocation = "location"
	TypeCard     = "card"
	TypeCarousel = "carousel"
	TypeChoice   = "choice"
	TypeDropdown = "dropdown"
	TypeBloc     = "bloc"
)

// Types lists the standard message types, in the order of the constants.
func Types() []string {
	return []string{TypeText, TypeMarkdown, TypeImage, TypeAudio, TypeVideo, TypeFile, TypeLocation,
		TypeCard, TypeCarousel, TypeChoice, TypeDropdown, TypeBloc}
}

// newPayload returns a zero payload of a standard type, or nil for another type.
func newPayload(typ string) Payload {
	switch typ {
	case TypeText:
		return new(TextPayload)
	case TypeMarkdown:
		return new(MarkdownPayload)
	case TypeImage:
		return new(ImagePayload)
	case TypeAudio:
		return new(AudioPayload)
	case TypeVideo:
		return new(VideoPayload)
	case TypeFile:
		return new(FilePayload)
	case TypeLocation:
		return new(LocationPayload)
	case TypeCard:
		return new(CardPayload)
	case TypeCarousel:
		return new(CarouselPayload)
	case TypeChoice:
		return new(ChoicePayload)
	case TypeDropdown:
		return new(DropdownPayload)
	case TypeBloc:
		return new(BlocPayload)
	}
	return nil
}

// MessageType returns "text".
func (*TextPayload) MessageType() string { return TypeText }

// MessageType returns "markdown".
func (*MarkdownPayload) MessageType() string { return TypeMarkdown }

// MessageType returns "image".
func (*ImagePayload) MessageType() string { return TypeImage }

// MessageType returns "audio".
func (*AudioPayload) MessageType() string { return TypeAudio }

// MessageType returns "video".
func (*VideoPayload) MessageType() string { return TypeVideo }

// MessageType returns "file".
func (*FilePayload) MessageType() string { return TypeFile }

// MessageType returns "location".
func (*LocationPayload) MessageType() string { return TypeLocation }

// MessageType returns "card".
func (*CardPayload) MessageType() string { return TypeCard }

// MessageType returns "carousel".
func (*CarouselPayload) MessageType() string { return TypeCarousel }

// MessageType returns "choice".
func (*ChoicePayload) MessageType() string { return TypeChoice }

// MessageType returns "dropdown".
func (*DropdownPayload) MessageType() string { return TypeDropdown }

// MessageType returns "bloc".
func (*BlocPayload) MessageType() string { return TypeBloc }

func (*TextPayload) blocElement()     {}
func (*MarkdownPayload) blocElement() {}
func (*ImagePayload) blocElement()    {}
func (*AudioPayload) blocElement()    {}
func (*VideoPayload) blocElement()    {}
func (*FilePayload) blocElement()     {}
func (*LocationPayload) blocElement() {}
func (*Unknown) blocElement()         {}

// Text returns a text message.
func Text(text string) *TextPayload { return &TextPayload{Text: text} }

// Markdown returns a markdown message. Botpress prefers text for new bots.
func Markdown(markdown string) *MarkdownPayload { return &MarkdownPayload{Markdown: markdown} }

// Image returns an image message showing the picture at url; set Title for a
// caption.
func Image(url string) *ImagePayload { return &ImagePayload{ImageURL: url} }

// Audio returns an audio message playing the recording at url.
func Audio(url string) *AudioPayload { return &AudioPayload{AudioURL: url} }

// Video returns a video message playing the video at url.
func Video(url string) *VideoPayload { return &VideoPayload{VideoURL: url} }

// File returns a file message offering the file at url; set Title for the
// name shown.
func File(url string) *FilePayload { return &FilePayload{FileURL: url} }

// Location returns a location message for a point given in degrees; set
// Address and Title to describe it.
func Location(latitude, longitude float64) *LocationPayload {
	return &LocationPayload{Latitude: latitude, Longitude: longitude}
}

// Card returns a card with a title and buttons; set Subtitle and ImageURL
// for the rest.
func Card(title string, actions ...CardAction) *CardPayload {
	return &CardPayload{Title: title, Actions: append([]CardAction{}, actions...)}
}

// URLAction returns a card button that opens url.
func URLAction(label, url string) CardAction {
	return CardAction{Action: ActionKindURL, Label: label, Value: url}
}

// PostbackAction returns a card button that sends value to the bot without
// showing it in the conversation.
func PostbackAction(label, value string) CardAction {
	return CardAction{Action: ActionKindPostback, Label: label, Value: value}
}

// SayAction returns a card button that sends text as if the user had typed it.
func SayAction(label, text string) CardAction {
	return CardAction{Action: ActionKindSay, Label: label, Value: text}
}

// Carousel returns a carousel of the cards, in order; nil cards are left out.
func Carousel(cards ...*CardPayload) *CarouselPayload {
	items := make([]CardPayload, 0, len(cards))
	for _, c := range cards {
		if c != nil {
			items = append(items, *c)
		}
	}
	return &CarouselPayload{Items: items}
}

// Option returns one answer of a choice or a dropdown: label is shown, value
// is what the bot receives.
func Option(label, value string) ChoiceOption { return ChoiceOption{Label: label, Value: value} }

// Choice returns a question with answers to pick from, shown as buttons.
func Choice(text string, options ...ChoiceOption) *ChoicePayload {
	return &ChoicePayload{Text: text, Options: append([]ChoiceOption{}, options...)}
}

// Dropdown returns a question with answers to pick from, shown as a list.
func Dropdown(text string, options ...ChoiceOption) *DropdownPayload {
	return &DropdownPayload{Text: text, Options: append([]ChoiceOption{}, options...)}
}

// Bloc returns several simple messages sent as one, in order; nil items are
// left out.
func Bloc(items ...BlocElement) *BlocPayload {
	b := &BlocPayload{Items: make([]BlocItem, 0, len(items))}
	for _, it := range items {
		if it != nil {
			b.Items = append(b.Items, BlocItem{Type: it.MessageType(), Payload: it})
		}
	}
	return b
}
