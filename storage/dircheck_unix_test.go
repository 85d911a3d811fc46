//go:build unix

package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPermissions(t *testing.T) {
	// The umask is process-wide, so these cases run one after another (no t.Parallel here).
	for _, umask := range []int{0, 0o022, 0o077, 0o277} {
		t.Run(fmt.Sprintf("umask %04o", umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			base := t.TempDir()
			dir := filepath.Join(base, "cache", "goxel-mcp", "renders")
			s, _ := openStore(t, Options{Dir: dir})

			fi, err := os.Stat(dir)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "directory")
			if umask&0o200 == 0 {
				for _, parent := range []string{filepath.Dir(dir), filepath.Dir(filepath.Dir(dir))} {
					fi, err := os.Stat(parent)
					require.NoError(t, err)
					assert.Zero(t, fi.Mode().Perm()&0o077, "parent %s is private (mode %v)", parent, fi.Mode().Perm())
				}
			}

			p, err := s.Create()
			require.NoError(t, err)
			fi, err = os.Stat(filepath.Join(dir, p.name))
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "temp file")
			_, err = p.Write(makePNG(t, 2, 2, "", 0))
			require.NoError(t, err)
			rec, err := p.Publish(Meta{})
			require.NoError(t, err)
			fi, err = os.Stat(rec.Path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "render")
		})
	}
}

func TestOpenRefusesUnsafeDirectory(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		want    error
		message []string
	}{
		{
			name: "symlink",
			setup: func(t *testing.T, dir string) {
				real := dir + "-real"
				require.NoError(t, os.Mkdir(real, 0o700))
				require.NoError(t, os.Symlink(real, dir))
			},
			want:    ErrDirSymlink,
			message: []string{"symbolic link", "use the directory it points to"},
		},
		{
			name:    "world-writable",
			setup:   mkdirMode(0o777),
			want:    ErrDirWritable,
			message: []string{"writable by others (mode 0777)", "chmod 700"},
		},
		{
			name:    "group-writable",
			setup:   mkdirMode(0o770),
			want:    ErrDirWritable,
			message: []string{"(mode 0770)"},
		},
		{
			name:    "sticky like /tmp",
			setup:   mkdirMode(0o777 | os.ModeSticky),
			want:    ErrDirWritable,
			message: []string{"writable by others"},
		},
		{
			name: "a regular file",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(dir, []byte("x"), 0o600))
			},
			want:    ErrDirNotDir,
			message: []string{"not a directory"},
		},
		{
			name: "owned by another user",
			setup: func(t *testing.T, dir string) {
				if os.Geteuid() != 0 {
					t.Skip("needs root to give a directory away")
				}
				require.NoError(t, os.Mkdir(dir, 0o700))
				require.NoError(t, os.Chown(dir, 12345, 12345))
			},
			want:    ErrDirNotOwned,
			message: []string{"owned by uid 12345"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "renders")
			tt.setup(t, dir)
			s, err := Open(Options{Dir: dir, CleanupInterval: -1})
			if s != nil {
				_ = s.Close()
			}
			require.ErrorIs(t, err, tt.want)
			var de *DirError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, dir, de.Dir)
			assert.Contains(t, err.Error(), dir)
			for _, m := range tt.message {
				assert.Contains(t, err.Error(), m)
			}
		})
	}

	t.Run("symlinked parent is fine", func(t *testing.T) {
		base := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(base, "real"), 0o700))
		require.NoError(t, os.Symlink(filepath.Join(base, "real"), filepath.Join(base, "link")))
		s, _ := openStore(t, Options{Dir: filepath.Join(base, "link", "renders")})
		rec := publish(t, s, makePNG(t, 1, 1, "", 0), "")
		got, err := s.ResolvePath(filepath.Join(base, "real", "renders", rec.ID+".png"))
		require.NoError(t, err)
		assert.Equal(t, rec, got)
	})

	t.Run("readable by group is accepted", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "renders")
		mkdirMode(0o750)(t, dir)
		openStore(t, Options{Dir: dir})
	})
}

func mkdirMode(mode os.FileMode) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		require.NoError(t, os.Mkdir(dir, 0o700))
		require.NoError(t, os.Chmod(dir, mode))
	}
}

func TestUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only directories")
	}
	s, _ := openStore(t, Options{})
	require.NoError(t, os.Chmod(s.Dir(), 0o500))
	defer os.Chmod(s.Dir(), 0o700) //nolint:errcheck // best effort, so t.TempDir can clean up
	_, err := s.Create()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed to create temp file")
	assert.Empty(t, names(t, s.Dir()))
}
