package termsafetest

import (
	"testing"

	"patchbay/connector/termsafe"
)

// TestCorpusIsHostileAndTextCleansIt: every entry holds something a
// terminal would act on (else tests that use it prove nothing), and
// termsafe.Text leaves nothing Check objects to.
func TestCorpusIsHostileAndTextCleansIt(t *testing.T) {
	corpus, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	if len(corpus) < 10 {
		t.Fatalf("only %d corpus entries", len(corpus))
	}
	for _, e := range corpus {
		if Check(e.Text) == "" {
			t.Errorf("%s: the entry is harmless: %q", e.Name, e.Text)
		}
		if p := Check(termsafe.Text(e.Text)); p != "" {
			t.Errorf("%s: termsafe.Text leaves %s", e.Name, p)
		}
	}
}
