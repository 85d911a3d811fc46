package storage

import (
	"strconv"
	"testing"
)

// BenchmarkPublish measures Create, one Write and Publish (with its fsync and rename) of a small PNG,
// with the count cap evicting one render per publish once full.
func BenchmarkPublish(b *testing.B) {
	s, _ := openStore(b, Options{MaxFiles: 50})
	data := makePNG(b, 16, 16, "", 2048)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := s.Create()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Write(data); err != nil {
			b.Fatal(err)
		}
		if _, err := p.Publish(Meta{CacheKey: "k"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup measures a cache hit among 100 renders, including the stat that checks the file.
func BenchmarkLookup(b *testing.B) {
	s, _ := openStore(b, Options{})
	data := makePNG(b, 4, 4, "", 0)
	for i := range 100 {
		publish(b, s, data, "scene-"+strconv.Itoa(i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := s.Lookup("scene-" + strconv.Itoa(i%100)); !ok {
			b.Fatal("miss")
		}
		i++
	}
}
