package server

import (
	"bytes"
	"encoding/json"
)

// idScanner finds the top-level "id" of a JSON object fed to it in pieces,
// keeping only a few bytes: the id of a message too large to read whole,
// so that its error response reaches the request that is waiting for it.
// Clients put the id anywhere (the TypeScript SDK writes it last, after the
// params), so the whole message streams through it.
type idScanner struct {
	size     int // bytes seen
	depth    int
	inString bool
	escape   bool
	keyNext  bool   // at depth 1, the next string is a key
	inKey    bool   // reading a depth-1 key
	key      []byte // that key, up to maxKey bytes
	lastKey  string // the depth-1 key whose value comes next
	inValue  bool   // reading the value of "id"
	value    []byte
	id       json.RawMessage
	done     bool
}

const (
	maxKey     = 8
	maxIDBytes = 256
)

// feed scans the next bytes of the message.
func (s *idScanner) feed(p []byte) {
	for _, c := range p {
		if s.done {
			return
		}
		s.step(c)
	}
}

func (s *idScanner) step(c byte) {
	if s.inValue {
		if len(s.value) >= maxIDBytes {
			s.done = true // not a plausible id: give up
			return
		}
	}
	if s.inString {
		if s.inValue {
			s.value = append(s.value, c)
		}
		switch {
		case s.escape:
			s.escape = false
			s.keyByte(c)
		case c == '\\':
			s.escape = true
			s.keyByte(c)
		case c == '"':
			s.inString = false
			if s.inKey {
				s.inKey = false
				s.lastKey = string(s.key)
			}
		default:
			s.keyByte(c)
		}
		return
	}
	switch c {
	case ' ', '\t', '\r', '\n':
		return
	case '"':
		s.inString = true
		if s.depth == 1 && s.keyNext {
			s.inKey, s.keyNext, s.key = true, false, s.key[:0]
		}
	case '{', '[':
		s.depth++
		if s.depth == 1 {
			if c != '{' {
				s.done = true // not an object
				return
			}
			s.keyNext = true
		}
	case '}', ']':
		if s.depth == 1 && s.inValue {
			s.finish()
		}
		s.depth--
		if s.depth <= 0 {
			s.done = true
			return
		}
	case ':':
		if s.depth == 1 {
			if s.lastKey == "id" && s.id == nil {
				s.inValue, s.value = true, s.value[:0]
			}
			return
		}
	case ',':
		if s.depth == 1 {
			if s.inValue {
				s.finish()
			}
			s.keyNext = true
			return
		}
	}
	if s.inValue {
		s.value = append(s.value, c)
	}
}

func (s *idScanner) keyByte(c byte) {
	if s.inKey && len(s.key) <= maxKey {
		s.key = append(s.key, c)
	}
}

// finish ends the id's value; only a string or a number is an id.
func (s *idScanner) finish() {
	s.inValue = false
	v := bytes.TrimSpace(s.value)
	var x any
	if json.Unmarshal(v, &x) != nil {
		return
	}
	switch x.(type) {
	case string, float64:
		s.id = append(json.RawMessage(nil), v...)
	}
}

// found returns the id, or nil when the message had none that could be read.
func (s *idScanner) found() json.RawMessage { return s.id }
