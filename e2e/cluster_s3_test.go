package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var s3Vars = []string{"GOXEL_S3_ENDPOINT", "GOXEL_S3_BUCKET", "GOXEL_S3_ACCESS_KEY", "GOXEL_S3_SECRET_KEY", "GOXEL_S3_REGION"}

// requireS3 returns the database and bucket environment `.ci/services up`
// printed, skipping (or failing with GOXEL_REQUIRE_SERVICES=1) without it.
func requireS3(t *testing.T) []string {
	t.Helper()
	out := requireServices(t)
	for _, k := range s3Vars {
		v := os.Getenv(k)
		if v == "" {
			msg := k + " is not set: run `eval \"$(bash .ci/services up)\"` first"
			if os.Getenv("GOXEL_REQUIRE_SERVICES") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		out = append(out, k+"="+v)
	}
	return out
}

// bucketObjects lists the objects of user's renders in the bucket.
func bucketObjects(t *testing.T, user string) []string {
	t.Helper()
	u, err := url.Parse(os.Getenv("GOXEL_S3_ENDPOINT"))
	require.NoError(t, err)
	c, err := minio.New(u.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(os.Getenv("GOXEL_S3_ACCESS_KEY"), os.Getenv("GOXEL_S3_SECRET_KEY"), ""),
		Secure: u.Scheme == "https", Region: os.Getenv("GOXEL_S3_REGION"), BucketLookup: minio.BucketLookupPath,
	})
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(user))
	var keys []string
	for o := range c.ListObjects(context.Background(), os.Getenv("GOXEL_S3_BUCKET"), minio.ListObjectsOptions{Prefix: "renders/" + hex.EncodeToString(sum[:12]) + "/", Recursive: true}) {
		require.NoError(t, o.Err)
		keys = append(keys, o.Key)
	}
	return keys
}

func httpGet(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

func TestClusterRendersInBucket(t *testing.T) {
	services := requireS3(t)
	users := uniqueUsers("dora", "eve")
	tokens := tokensFile(t, users...)
	var nodes []*httpServer
	for range 2 {
		n := startHTTP(t, env(t, append(services, "GOXEL_AUTH_TOKENS_FILE="+tokens)...))
		require.Contains(t, n.stderr.String(), "renders in S3")
		nodes = append(nodes, n)
	}
	d1, d2 := connect(t, nodes[0].url, users[0], ""), connect(t, nodes[1].url, users[0], "")
	id := structuredOf(t, d1.call(t, "create_project", map[string]any{}))["project_id"].(string)
	structuredOf(t, d2.call(t, "fill_shape", map[string]any{"project_id": id, "shape": "sphere", "center": []int{0, 0, 4}, "radius": 4, "color": "#FF0000"}))
	structuredOf(t, d2.call(t, "fill_shape", map[string]any{"project_id": id, "shape": "box", "from": []int{-6, -6, 0}, "to": []int{6, 6, 0}, "color": "#00FF00"}))

	render := d1.call(t, "render_scene", map[string]any{"project_id": id, "width": 200, "height": 160})
	sc := structuredOf(t, render)
	download, _ := sc["download_url"].(string)
	require.NotEmpty(t, download, "render results carry a presigned URL: %s", allText(render))
	assert.Contains(t, allText(render), download)
	uri := renderURI(t, render)

	viaMCP, err := d1.readRender(uri)
	require.NoError(t, err)
	code, viaURL := httpGet(t, download)
	require.Equal(t, http.StatusOK, code, string(viaURL))
	assert.Equal(t, viaMCP, viaURL, "the presigned URL downloads the bytes resources/read returns")
	r, g, _ := dominant(t, viaURL)
	assert.Greater(t, r, 50, "instance 2's red sphere is in instance 1's render")
	assert.Greater(t, g, 50, "instance 2's green floor is in instance 1's render")
	viaOther, err := d2.readRender(uri)
	require.NoError(t, err, "instance 2 reads instance 1's render from the bucket")
	assert.Equal(t, viaMCP, viaOther)

	// A tampered URL is refused by the store itself.
	u, err := url.Parse(download)
	require.NoError(t, err)
	q := u.Query()
	sig := q.Get("X-Amz-Signature")
	require.NotEmpty(t, sig)
	q.Set("X-Amz-Signature", strings.Repeat("0", len(sig)))
	u.RawQuery = q.Encode()
	code, _ = httpGet(t, u.String())
	assert.Equal(t, http.StatusForbidden, code)

	// Eve reads none of Dora's renders on either instance.
	for _, n := range nodes {
		e := connect(t, n.url, users[1], "")
		_, err := e.readRender(uri)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not available")
		assert.EqualValues(t, 0, structuredOf(t, e.call(t, "list_renders", map[string]any{}))["count"])
	}
	assert.Len(t, bucketObjects(t, users[0]), 1)
	assert.Empty(t, bucketObjects(t, users[1]))
}

func TestClusterBucketRendersExpire(t *testing.T) {
	services := requireS3(t)
	users := uniqueUsers("fay")
	srv := startHTTP(t, env(t, append(services, "GOXEL_AUTH_TOKENS_FILE="+tokensFile(t, users...),
		"GOXEL_RENDER_TTL=2", "GOXEL_RENDER_CLEANUP_INTERVAL=1")...))
	f := connect(t, srv.url, users[0], "")
	id := structuredOf(t, f.call(t, "create_project", map[string]any{}))["project_id"].(string)
	structuredOf(t, f.call(t, "add_voxels", map[string]any{"project_id": id, "voxels": []any{[]any{0, 0, 0, "#FF00FF"}}}))
	render := f.call(t, "render_scene", map[string]any{"project_id": id, "width": 64, "height": 64})
	download := structuredOf(t, render)["download_url"].(string)
	code, _ := httpGet(t, download)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, bucketObjects(t, users[0]), 1)

	deadline := time.Now().Add(20 * time.Second)
	for len(bucketObjects(t, users[0])) > 0 && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
	}
	assert.Empty(t, bucketObjects(t, users[0]), "the sweeper removes renders after their TTL")
	code, _ = httpGet(t, download)
	assert.NotEqual(t, http.StatusOK, code, "the presigned URL no longer downloads")
	_, err := f.readRender(renderURI(t, render))
	require.Error(t, err)
}
