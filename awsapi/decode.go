package awsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// serializationError is the service's answer to a body it cannot read as the operation's input
// document: not JSON, not an object, or an object naming a member twice.
func serializationError(msg string) *wireError {
	return &wireError{exception{"SerializationException", http.StatusBadRequest}, msg}
}

// decodeObject reads a request body as a JSON object, numbers as json.Number. It refuses what
// encoding/json would quietly accept: a top-level null (which decodes to a nil map), a member
// named twice at any depth (encoding/json keeps the last, so a body could show a validator one
// value and a handler another), and anything after the object.
func decodeObject(body []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return nil, serializationError("The request body is not valid JSON.")
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, serializationError("The request body must be a JSON object.")
	}
	obj, err := decodeMembers(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, serializationError("The request body has data after its JSON object.")
	}
	return obj, nil
}

// decodeMembers reads an object's members after its opening brace. Recursion is bounded by
// maxJSONDepth, checked before decoding starts.
func decodeMembers(d *json.Decoder) (map[string]any, error) {
	obj := map[string]any{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, serializationError("The request body is not valid JSON.")
		}
		key := tok.(string) // the decoder only yields strings in key position
		if _, dup := obj[key]; dup {
			return nil, serializationError("The request body names the member " + displayName(key) + " more than once.")
		}
		v, err := decodeValue(d)
		if err != nil {
			return nil, err
		}
		obj[key] = v
	}
	if _, err := d.Token(); err != nil { // the closing brace
		return nil, serializationError("The request body is not valid JSON.")
	}
	return obj, nil
}

func decodeValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, serializationError("The request body is not valid JSON.")
	}
	switch tok {
	case json.Delim('{'):
		return decodeMembers(d)
	case json.Delim('['):
		list := []any{}
		for d.More() {
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		if _, err := d.Token(); err != nil {
			return nil, serializationError("The request body is not valid JSON.")
		}
		return list, nil
	}
	return tok, nil
}

// displayName quotes a member name for a message, cut short: it comes from the caller.
func displayName(k string) string {
	if r := []rune(k); len(r) > 64 {
		k = string(r[:64]) + "..."
	}
	b, _ := json.Marshal(k)
	return string(b)
}
