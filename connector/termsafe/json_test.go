package termsafe

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestJSONEscapesWhatEncodingJSONLeavesRaw(t *testing.T) {
	in := map[string]string{"text": "a\x1b]52;c;eA==\x07b \u009b2J \u202eevil\u202c \x7f 日本語"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(b)
	want := `{"text":"a\u001b]52;c;eA==\u0007b \u009b2J \u202eevil\u202c \u007f 日本語"}`
	if string(got) != want {
		t.Errorf("JSON = %s\nwant   %s", got, want)
	}
	if plain := []byte(`{"a":"plain \u001b text","b":[1,2]}`); !bytes.Equal(JSON(plain), plain) {
		t.Errorf("JSON changed JSON that was already inert")
	}
}

// FuzzJSON: for any string, its encoding passed through JSON still decodes
// to the same string, holds nothing a terminal acts on, and is stable.
func FuzzJSON(f *testing.F) {
	f.Add("hello")
	f.Add("\x1b[31mred\u009b\u202e\x7f")
	f.Add("\xff\xfe bad bytes")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := json.Marshal(s)
		if err != nil {
			t.Skip()
		}
		out := JSON(b)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("JSON(%s) = %s: not JSON: %v", b, out, err)
		}
		var want string // s as encoding/json keeps it (invalid bytes as U+FFFD)
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if back != want {
			t.Fatalf("JSON changed the value: %q, want %q", back, want)
		}
		if !utf8.Valid(out) {
			t.Fatalf("JSON(%s) is not UTF-8", b)
		}
		for _, r := range string(out) {
			if unsafe(r) {
				t.Fatalf("JSON(%s) = %s holds %U", b, out, r)
			}
		}
		if again := JSON(out); !bytes.Equal(again, out) {
			t.Fatalf("JSON is not stable: %s then %s", out, again)
		}
	})
}

func TestJSONRawInvalidBytes(t *testing.T) {
	// A RawMessage passes invalid UTF-8 through encoding/json.
	raw := []byte("{\"k\":\"a\x9bb\xffc\"}")
	got := JSON(raw)
	if string(got) != `{"k":"a\ufffdb\ufffdc"}` {
		t.Errorf("JSON = %q", got)
	}
}
