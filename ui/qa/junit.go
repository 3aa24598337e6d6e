package qa

import (
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"patchbay/connector/termsafe"
)

// JUnit XML, as CI systems read it (the de-facto schema of Ant's JUnit
// task, which Jenkins, GitLab and GitHub reporters accept): one testsuite
// for the contract file, one testcase per scenario and toolset. A testcase
// fails when its pass rate fell short; the failure lists every failed
// check of every run, and system-out says how each run went. A scenario
// that Ctrl+C cut short is skipped.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

// WriteJUnit writes the report as JUnit XML.
func WriteJUnit(w io.Writer, r *Report) error {
	suite := junitSuite{Name: termsafe.Line(r.File), Properties: []junitProperty{
		{"target", r.Target}, {"model", termsafe.Line(r.Model)},
	}}
	if r.Noise != "" {
		suite.Properties = append(suite.Properties, junitProperty{"noise", r.Noise})
	}
	class := "patchbay." + strings.TrimSuffix(filepath.Base(r.File), filepath.Ext(r.File))
	var total int64
	for _, res := range r.Results {
		var ms int64
		var out []string
		var failed []string
		for _, run := range res.Runs {
			ms += run.DurationMS
			state := "ok"
			switch {
			case run.Interrupted:
				state = "interrupted"
			case !run.OK:
				state = "FAILED"
			}
			out = append(out, fmt.Sprintf("run %d: %s (%d ms, %d input tokens, calls: %s)", run.Rep, state, run.DurationMS,
				run.InputTokens, callList(run.Calls)))
			for _, c := range run.Checks {
				if !c.OK && !run.Interrupted {
					failed = append(failed, fmt.Sprintf("run %d: %s — %s (evidence: %s)", run.Rep, c.Name, c.Detail, c.Evidence))
				}
			}
		}
		total += ms
		tc := junitCase{ClassName: class + "." + strings.Trim(res.Variant, "()"), Name: termsafe.Line(res.Scenario + " [" + res.Variant + "]"),
			Time: seconds(ms), SystemOut: &junitText{termsafe.Text(strings.Join(out, "\n"))}}
		switch {
		case res.Ran < res.Repetitions:
			tc.Skipped = &junitMessage{Message: fmt.Sprintf("interrupted after %d of %d runs", res.Ran, res.Repetitions)}
			suite.Skipped++
		case !res.OK:
			tc.Failure = &junitMessage{Type: "pass_rate",
				Message: fmt.Sprintf("%d of %d runs held (%.0f%%); %.0f%% needed", res.Passed, res.Ran, 100*res.Rate(), 100*res.PassRate),
				Text:    termsafe.Text(strings.Join(failed, "\n"))}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	suite.Tests = len(suite.Cases)
	suite.Time = seconds(total)
	doc := junitSuites{Name: "patchbay test", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode the JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

func callList(calls []string) string {
	if len(calls) == 0 {
		return "none"
	}
	return strings.Join(calls, ", ")
}
