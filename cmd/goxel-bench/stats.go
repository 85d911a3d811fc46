package main

import (
	"runtime"
	"slices"
	"time"
)

// dist summarises samples in milliseconds (or whatever unit they carry).
type dist struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// summarise sorts a copy of xs and takes nearest-rank percentiles: with
// fewer than 100 samples p99 is the maximum.
func summarise(xs []float64) dist {
	if len(xs) == 0 {
		return dist{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return dist{N: len(s), Median: rank(0.5), P90: rank(0.9), P99: rank(0.99), Min: s[0], Max: s[len(s)-1]}
}

func msOf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// allocMeter measures the harness's own (client-side) Go allocations over a
// stretch of calls: decoding answers, building requests.
type allocMeter struct{ mallocs, bytes uint64 }

func startAllocs() allocMeter {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return allocMeter{m.Mallocs, m.TotalAlloc}
}

// per returns allocations and bytes per operation since start.
func (a allocMeter) per(n int) (allocs, bytes float64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if n == 0 {
		return 0, 0
	}
	return float64(m.Mallocs-a.mallocs) / float64(n), float64(m.TotalAlloc-a.bytes) / float64(n)
}
