package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// builder writes every artefact of one release into out.
type builder struct {
	out, version, releaseURL string
	log                      io.Writer
	root                     string
	sums                     map[string]string // asset file name → sha256 hex
}

// docs are the repository files every archive and bundle carries.
var docs = []string{"README.md", "NOTICE", "CHANGELOG.md"}

func (b *builder) all(ts []target) error {
	var err error
	if b.root, err = repoRoot(); err != nil {
		return err
	}
	if err := os.MkdirAll(b.out, 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", b.out, err)
	}
	b.sums = map[string]string{}
	icon, err := iconPNG()
	if err != nil {
		return fmt.Errorf("failed to render the icon: %w", err)
	}
	toolList, err := manifestTools()
	if err != nil {
		return err
	}
	var bundles []bundleAsset
	for _, t := range ts {
		bin := filepath.Join(b.out, "build", t.String(), t.exe())
		if err := b.build(t, bin); err != nil {
			return err
		}
		files := []entry{{name: t.exe(), src: bin, mode: 0o755}}
		for _, d := range docs {
			files = append(files, entry{name: d, src: filepath.Join(b.root, d), mode: 0o644})
		}
		if err := b.archive(t, files); err != nil {
			return err
		}
		name, err := b.bundle(t, bin, icon, toolList)
		if err != nil {
			return err
		}
		bundles = append(bundles, bundleAsset{target: t, name: name, sha256: b.sums[name]})
	}
	if err := b.writeChecksums(); err != nil {
		return err
	}
	if err := b.writeServerJSON(bundles); err != nil {
		return err
	}
	return b.writeFormula()
}

// build compiles one static binary that reports the release version.
func (b *builder) build(t target, dst string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version="+b.version, "-o", dst, "./cmd/goxel-mcp")
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+t.os, "GOARCH="+t.arch)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("failed to build %s: %w", t, err)
	}
	fmt.Fprintf(b.log, "built %s\n", t)
	return nil
}

// entry is one file of an archive: its name inside, and either a source
// file or its bytes.
type entry struct {
	name string
	src  string
	data []byte
	mode int64
}

func (e entry) bytes() ([]byte, error) {
	if e.data != nil {
		return e.data, nil
	}
	return os.ReadFile(e.src)
}

// modTime is fixed so that the same tree gives the same archives.
var modTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// archive writes goxel-mcp-<v>-<os>-<arch>.tar.gz (zip for Windows) with
// everything under one top-level directory.
func (b *builder) archive(t target, files []entry) error {
	dir := fmt.Sprintf("goxel-mcp-%s-%s", b.version, t)
	if t.os == "windows" {
		return b.writeAsset(dir+".zip", func(w io.Writer) error { return writeZip(w, dir+"/", files) })
	}
	return b.writeAsset(dir+".tar.gz", func(w io.Writer) error {
		gz := gzip.NewWriter(w)
		tw := tar.NewWriter(gz)
		for _, f := range files {
			data, err := f.bytes()
			if err != nil {
				return err
			}
			hdr := &tar.Header{Name: dir + "/" + f.name, Mode: f.mode, Size: int64(len(data)), ModTime: modTime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if _, err := tw.Write(data); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		return gz.Close()
	})
}

func writeZip(w io.Writer, prefix string, files []entry) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		data, err := f.bytes()
		if err != nil {
			return err
		}
		h := &zip.FileHeader{Name: prefix + f.name, Method: zip.Deflate, Modified: modTime}
		h.SetMode(os.FileMode(f.mode))
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeAsset writes one release asset atomically and records its checksum.
func (b *builder) writeAsset(name string, fill func(io.Writer) error) error {
	path := filepath.Join(b.out, name)
	tmp, err := os.CreateTemp(b.out, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // best effort: gone after the rename
	h := sha256.New()
	if err := fill(io.MultiWriter(tmp, h)); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	b.sums[name] = hex.EncodeToString(h.Sum(nil))
	fmt.Fprintf(b.log, "wrote %s\n", path)
	return nil
}

// writeChecksums writes checksums.txt in sha256sum's format.
func (b *builder) writeChecksums() error {
	names := make([]string, 0, len(b.sums))
	for n := range b.sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var s strings.Builder
	for _, n := range names {
		fmt.Fprintf(&s, "%s  %s\n", b.sums[n], n)
	}
	return os.WriteFile(filepath.Join(b.out, "checksums.txt"), []byte(s.String()), 0o644)
}
