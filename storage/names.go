package storage

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	renderPrefix = "render_"
	renderExt    = ".png"
	tempPrefix   = ".tmp-"
	maxIDLen     = 128 // longer than any id we make; keeps a hostile id out of the file system calls
	randomBytes  = 8   // 64 random bits per file name: collisions are not a practical concern
	sessionLen   = 8
)

var (
	idPattern   = regexp.MustCompile(`^render_[0-9]+_[a-z0-9]+_[0-9a-f]+$`)
	tempPattern = regexp.MustCompile(`^\.tmp-[0-9a-f]{16}$`)
)

// ValidID reports whether id is a well-formed render id, render_<unixts>_<session>_<random hex>.
// Only a valid id is ever turned into a file name.
func ValidID(id string) bool {
	_, ok := ParseID(id)
	return ok
}

// ParseID checks id like ValidID and returns the creation time encoded in it (whole seconds).
func ParseID(id string) (created time.Time, ok bool) {
	if len(id) > maxIDLen || !idPattern.MatchString(id) {
		return time.Time{}, false
	}
	ts, _, _ := strings.Cut(id[len(renderPrefix):], "_")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// idFromName returns the id for a directory entry name, if it names a render.
func idFromName(name string) (string, bool) {
	id, ok := strings.CutSuffix(name, renderExt)
	if !ok || !ValidID(id) {
		return "", false
	}
	return id, true
}

func fileName(id string) string { return id + renderExt }

func isTempName(name string) bool { return tempPattern.MatchString(name) }

func randomHex() string {
	var b [randomBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error since Go 1.24
	return hex.EncodeToString(b[:])
}

func newTempName() string { return tempPrefix + randomHex() }

// newSession returns sessionLen characters from [a-z2-7]: rand.Text is base32 with 5 bits a character.
func newSession() string { return strings.ToLower(rand.Text()[:sessionLen]) }

func newID(now time.Time, session string) string {
	return renderPrefix + strconv.FormatInt(now.Unix(), 10) + "_" + session + "_" + randomHex()
}
