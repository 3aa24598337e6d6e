package qa

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"patchbay/connector/termsafe"
)

// maxFailuresShown bounds the failure lines of the text report; the JSON
// and JUnit reports hold every one.
const maxFailuresShown = 20

// WriteText prints the report as a table, then the failures, one line
// each, with the evidence each check used. Everything from outside (names,
// answers) is sanitised for the terminal.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "patchbay test %s · %s · %s", termsafe.Line(r.File), r.Target, termsafe.Line(r.Model))
	if r.Noise != "" {
		fmt.Fprintf(&b, " · %s", r.Noise)
	}
	b.WriteString("\n\n")
	for _, w := range r.Warnings {
		b.WriteString("⚠ " + termsafe.Line(w) + "\n")
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tTOOLSET\tRUNS\tPASSED\tNEEDED\tRESULT")
	for _, res := range r.Results {
		verdict := "ok"
		switch {
		case res.Ran < res.Repetitions:
			verdict = "INCOMPLETE"
		case !res.OK:
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\n", termsafe.Line(res.Scenario), termsafe.Line(res.Variant),
			res.Ran, res.Repetitions, percent(res.Rate(), res.Ran > 0), percent(res.PassRate, true), verdict)
	}
	_ = tw.Flush()
	if failures := failureLines(r); len(failures) > 0 {
		b.WriteString("\nFailed checks:\n")
		for i, f := range failures {
			if i == maxFailuresShown {
				fmt.Fprintf(&b, "  … and %d more (see --output json or --junit)\n", len(failures)-i)
				break
			}
			b.WriteString("  ✗ " + f + "\n")
		}
	}
	if len(r.Variants) > 0 {
		b.WriteString("\n")
		writeVariants(&b, r)
	}
	b.WriteString("\n" + verdictLine(r) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func percent(f float64, known bool) string {
	if !known {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", f*100)
}

// failureLines says, for every failed check of every run, which scenario,
// toolset and run, what was expected, what was seen and on what evidence.
func failureLines(r *Report) []string {
	var out []string
	for _, res := range r.Results {
		for _, run := range res.Runs {
			if run.Interrupted {
				continue
			}
			for _, c := range run.Checks {
				if c.OK {
					continue
				}
				out = append(out, termsafe.Line(fmt.Sprintf("%s [%s] run %d: %s — %s (evidence: %s)",
					res.Scenario, res.Variant, run.Rep, c.Name, c.Detail, c.Evidence)))
			}
		}
	}
	return out
}

func verdictLine(r *Report) string {
	held := 0
	for _, res := range r.Results {
		if res.OK {
			held++
		}
	}
	s := fmt.Sprintf("%d of %d scenario runs held at their pass rate (%d of %d runs finished).", held, len(r.Results), r.Done, r.Planned)
	if r.Interrupted {
		s += " Interrupted: the runs that had not finished are not counted."
	}
	return s
}

// VariantSummary is one toolset's line of the A/B table.
type VariantSummary struct {
	Variant string `json:"variant"`
	Runs    int    `json:"runs"`
	Passed  int    `json:"passed"`
	// Right, Wrong and NoTool count the runs whose tool choice could be
	// judged (see Selection).
	Right  int `json:"right_tool"`
	Wrong  int `json:"wrong_tool"`
	NoTool int `json:"no_tool"`
	// InputTokens is the mean per run; ToolDefShare the estimated share
	// of it that tool definitions took.
	InputTokens  float64 `json:"mean_input_tokens"`
	OutputTokens float64 `json:"mean_output_tokens"`
	ToolDefShare float64 `json:"tool_definition_share_estimate"`
	LatencyP50MS int64   `json:"latency_p50_ms"`
	// CostPerRun is an estimate (PriceOf), negative when the model's
	// price is unknown.
	CostPerRun float64 `json:"cost_per_run_usd_estimate"`
}

// Summarise sums up each variant's runs, in the report's variant order.
func Summarise(r *Report) []VariantSummary {
	price, priced := PriceOf(r.Model)
	var out []VariantSummary
	for _, v := range r.Variants {
		s := VariantSummary{Variant: v}
		var in, outTok, defs int64
		var lat []int64
		for _, res := range r.Results {
			if res.Variant != v {
				continue
			}
			for _, run := range res.Runs {
				if run.Interrupted {
					continue
				}
				s.Runs++
				if run.OK {
					s.Passed++
				}
				switch run.Selection {
				case Right:
					s.Right++
				case Wrong:
					s.Wrong++
				case None:
					s.NoTool++
				}
				in += run.InputTokens
				outTok += run.OutputTokens
				defs += run.ToolDefTokens
				lat = append(lat, run.DurationMS)
			}
		}
		if s.Runs > 0 {
			s.InputTokens = float64(in) / float64(s.Runs)
			s.OutputTokens = float64(outTok) / float64(s.Runs)
			slices.Sort(lat)
			s.LatencyP50MS = lat[(len(lat)-1)/2]
		}
		if in > 0 {
			s.ToolDefShare = min(1, float64(defs)/float64(in))
		}
		s.CostPerRun = -1
		if priced {
			s.CostPerRun = price.Cost(int64(s.InputTokens), int64(s.OutputTokens))
		}
		out = append(out, s)
	}
	return out
}

func writeVariants(b *strings.Builder, r *Report) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TOOLSET\tPASS RATE\tRIGHT\tWRONG\tNO TOOL\tINPUT TOK/RUN\tTOOL DEFS (est.)\tLATENCY p50\tCOST/RUN (est.)\t")
	for _, s := range Summarise(r) {
		cost := "no price known"
		if s.CostPerRun >= 0 {
			cost = fmt.Sprintf("$%.4f", s.CostPerRun)
		}
		rate := "—"
		if s.Runs > 0 {
			rate = fmt.Sprintf("%.0f%% (%d/%d)", 100*float64(s.Passed)/float64(s.Runs), s.Passed, s.Runs)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%.0f%%\t%d ms\t%s\t\n", termsafe.Line(s.Variant), rate, s.Right, s.Wrong, s.NoTool,
			group(int64(s.InputTokens)), 100*s.ToolDefShare, s.LatencyP50MS, cost)
	}
	_ = tw.Flush()
	if p, ok := PriceOf(r.Model); ok {
		fmt.Fprintf(b, "Cost is an estimate: %s ($%.2f in / $%.2f out per million tokens)", p.Basis, p.Input, p.Output)
		if r.Target == "sandbox" {
			b.WriteString(", applied to the sandbox's estimated token counts")
		}
		b.WriteString(". Tool definitions: JSON bytes / 4 of each offered tool, per request.\n")
	}
}

func group(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// jsonReport is the --output json document.
type jsonReport struct {
	*Report
	Summary []VariantSummary `json:"variant_summary,omitempty"`
}

// WriteJSON prints the report as one JSON document, safe for a terminal.
func WriteJSON(w io.Writer, r *Report) error {
	doc := jsonReport{Report: r}
	if len(r.Variants) > 0 {
		doc.Summary = Summarise(r)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the report: %w", err)
	}
	_, err = w.Write(append(termsafe.JSON(b), '\n'))
	return err
}
