package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
)

// assetVersion identifies the embedded static files' content: pages link
// them as static/<name>?v=<assetVersion>, which a browser may keep for
// good, as a new build with other files links other URLs. Without the
// version, or with another one, they are served with no-cache.
var assetVersion = func() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "web/static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(path)
		h.Write([]byte(path + "\x00"))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:16]
}()

// asset is the URL of the static file name, relative to the dashboard's
// root, with the version of the files.
func asset(name string) string {
	return "static/" + name + "?v=" + assetVersion
}

// staticCacheControl is the Cache-Control of a static file: cached for a
// year, never revalidated, when r asks for the current version; else
// revalidated on every use.
func staticCacheControl(r *http.Request) string {
	if r.URL.Query().Get("v") == assetVersion {
		return "public, max-age=31536000, immutable"
	}
	return "no-cache"
}
