package scenes

import (
	"context"
	"errors"
	"image/color"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/goxel-mcp/goxel-mcp/internal/auth"
	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

func TestMemoryOwnership(t *testing.T) {
	m := NewMemory(nil)
	m.MaxProjects = 2
	alice := auth.WithUser(context.Background(), "alice")
	bob := auth.WithUser(context.Background(), "bob")
	id, p, err := m.Create(alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Edit("add", func(s *voxel.Scene) error {
		s.Set(s.Current(), voxel.Pos{X: 1, Y: 2, Z: 3}, color.NRGBA{R: 255, A: 255})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context) error {
		_, err := m.Run(ctx, id, false, func(*tools.Project) (*mcp.CallToolResult, error) { return nil, nil })
		return err
	}
	if err := run(alice); err != nil {
		t.Fatalf("owner: %v", err)
	}
	if err := run(bob); !errors.Is(err, tools.ErrProjectNotFound) {
		t.Fatalf("other user: %v, want not found", err)
	}
	if err := m.Delete(bob, id); !errors.Is(err, tools.ErrProjectNotFound) {
		t.Fatalf("other user deletes: %v", err)
	}
	if list, _ := m.List(bob); len(list) != 0 {
		t.Fatalf("bob lists %v", list)
	}
	list, _ := m.List(alice)
	if len(list) != 1 || list[0].ID != id || list[0].Voxels != 1 || list[0].Revision != 2 {
		t.Fatalf("alice lists %+v", list)
	}
	if _, _, err := m.Create(context.Background()); err == nil {
		t.Fatal("created without a user")
	}
	if _, _, err := m.Create(alice); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Create(alice); err == nil {
		t.Fatal("third project over MaxProjects 2")
	}
	if err := m.Delete(alice, id); err != nil {
		t.Fatal(err)
	}
	if err := run(alice); !errors.Is(err, tools.ErrProjectNotFound) {
		t.Fatalf("deleted: %v", err)
	}
}
