package connector

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestModelsReadsEveryPage(t *testing.T) {
	t.Parallel()
	var sawKey []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/models" {
			http.NotFound(w, r)
			return
		}
		sawKey = append(sawKey, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		w.Header().Set("content-type", "application/json")
		if r.URL.Query().Get("after_id") == "" {
			fmt.Fprint(w, `{"data":[{"type":"model","id":"claude-new-9","display_name":"Claude New 9","lifecycle":"active","created_at":"2026-10-01T00:00:00Z"}],"has_more":true,"first_id":"claude-new-9","last_id":"claude-new-9"}`)
			return
		}
		fmt.Fprint(w, `{"data":[{"type":"model","id":"claude-old-1","display_name":"Claude Old 1","lifecycle":"deprecated","created_at":"2025-01-01T00:00:00Z"}],"has_more":false,"first_id":"claude-old-1","last_id":"claude-old-1"}`)
	}))
	defer srv.Close()

	c := NewClient(ClientOptions{APIKey: "key-models-test", BaseURL: srv.URL, MaxRetries: -1})
	got, err := c.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []ModelInfo{{"claude-new-9", "Claude New 9", "active"}, {"claude-old-1", "Claude Old 1", "deprecated"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("models = %v, want %v", got, want)
	}
	if len(sawKey) != 2 || sawKey[0] != "key-models-test" {
		t.Errorf("requests carried keys %q; want the client's key on both pages", sawKey)
	}
}

func TestModelsSaysWhyItFailed(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`)
	}))
	defer srv.Close()
	c := NewClient(ClientOptions{APIKey: "bad", BaseURL: srv.URL, MaxRetries: -1})
	_, err := c.Models(context.Background())
	if err == nil || !strings.Contains(err.Error(), "list models") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("error = %v; want it to say listing models failed with 401", err)
	}
}

func TestKnownModelsHoldsTheDefault(t *testing.T) {
	t.Parallel()
	list := KnownModels()
	found := false
	for _, m := range list {
		found = found || m == "claude-sonnet-5-5"
	}
	if !found {
		t.Fatalf("KnownModels() = %v lacks the default model", list)
	}
	list[0] = "changed"
	if KnownModels()[0] == "changed" {
		t.Fatal("KnownModels shares its slice between callers")
	}
}
