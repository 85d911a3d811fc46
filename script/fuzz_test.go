package script_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/goxel-mcp/goxel-mcp/script"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// FuzzRun feeds Run arbitrary programs under small limits: it never panics
// or hangs, every failure is an *Error, and a failed run rolled back leaves
// the scene as it was.
func FuzzRun(f *testing.F) {
	for _, s := range []string{
		"set(0, 0, 0, '#FF0000')", "box([0,0,0],[3,3,3],'#00FF00', hollow=True)", "sphere([0,0,0], 4, [1,2,3])",
		"mirror_region([0,0,0],[3,3,3],'x',at=-0.5,keep_original=True)", "rotate_region([0,0,0],[3,3,3],'y',turns=3)",
		"replace_color('#FF0000','#0000FF',tolerance=300)", "cylinder([0,0,0],3,5,'#FFFFFF',axis='q')",
		"while True:\n    pass", "load('math', 'sqrt')\nprint(sqrt(2))", "x = get(0,0,0)\nprint(x)", "create_layer('a')\ndelete_layer(1)",
		"line([0,0,0],[9,9,9],None,radius=2)", "print(noise(1e308, -1e308, seed=-1, octaves=16))", "random(1).choice([])",
	} {
		f.Add(s)
	}
	lim := script.Limits{MaxSteps: 200_000, MaxDuration: 2 * time.Second, MaxChanges: 100_000, MaxOutput: 4096,
		MaxSceneVoxels: 200_000, MaxShapeVolume: 1 << 18}
	f.Fuzz(func(t *testing.T, code string) {
		s := voxel.New()
		s.Set(1, voxel.Pos{X: 1, Y: 1, Z: 1}, colorRed)
		hash := s.Snapshot().Hash()
		s.Begin("fuzz")
		_, err := script.Run(context.Background(), s, code, script.Options{Limits: lim})
		if err != nil {
			var se *script.Error
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			s.Rollback()
			if s.Snapshot().Hash() != hash {
				t.Fatalf("a failed script changed the scene: %v", err)
			}
			return
		}
		s.Commit()
	})
}
