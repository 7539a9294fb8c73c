package model

import "testing"

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"SendEmail":          "send_email",
		"ProcessHTTPRequest": "process_http_request",
		"HTTPServer":         "http_server",
		"Resize2x":           "resize2x",
		"GC":                 "gc",
		"ID":                 "id",
		"sendEmail":          "send_email",
		"UserID":             "user_id",
	} {
		if got := SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{
		"Reports":    "reports",
		"HTTPClient": "httpClient",
		"ID":         "id",
		"A":          "a",
		"x":          "x",
	} {
		if got := LowerFirst(in); got != want {
			t.Errorf("LowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
