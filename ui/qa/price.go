package qa

import "strings"

// Price is a model's list price in US dollars per million tokens.
type Price struct {
	Input, Output float64
	// Basis says where the numbers come from.
	Basis string
}

// PriceOf returns the price patchbay assumes for a model, and false when
// it knows none. Every cost it yields is an ESTIMATE, labelled so:
//
//   - The numbers are Anthropic's published list prices per million tokens
//     (the pricing page, claude.com/pricing) for the latest model of each
//     family patchbay knows: Claude Opus 4.5 $5 in / $25 out, Claude
//     Sonnet 4.5 $3 / $15, Claude Haiku 4.5 $1 / $5; and the older Opus
//     4.1 and 4 at $15 / $75, Claude 3 Opus at $15 / $75, Claude 3.5
//     Haiku at $0.80 / $4.
//   - A later model of a family (claude-sonnet-5-5, claude-opus-4-8) is
//     assumed to cost what the newest known one of its family costs.
//   - Prompt caching, batch discounts, long-context rates and the MCP
//     connector's own charges, if any, are not modelled; input tokens are
//     what the API reported (in the sandbox: the emulator's estimate).
func PriceOf(model string) (Price, bool) {
	m := strings.ToLower(model)
	switch {
	case strings.Contains(m, "opus-4-1"), strings.Contains(m, "opus-4-0"), m == "claude-opus-4", strings.HasPrefix(m, "claude-opus-4-2025"),
		strings.Contains(m, "3-opus"):
		return Price{15, 75, "list price of Claude Opus 4.1"}, true
	case strings.Contains(m, "3-5-haiku"), strings.Contains(m, "3-haiku"):
		return Price{0.80, 4, "list price of Claude Haiku 3.5"}, true
	case strings.Contains(m, "opus"):
		return Price{5, 25, "list price of Claude Opus 4.5, assumed for later Opus models"}, true
	case strings.Contains(m, "sonnet"):
		return Price{3, 15, "list price of Claude Sonnet 4.5, assumed for later Sonnet models"}, true
	case strings.Contains(m, "haiku"):
		return Price{1, 5, "list price of Claude Haiku 4.5, assumed for later Haiku models"}, true
	}
	return Price{}, false
}

// Cost is the estimated cost in dollars of the tokens.
func (p Price) Cost(input, output int64) float64 {
	return (float64(input)*p.Input + float64(output)*p.Output) / 1e6
}
