package connector

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// Provider is where the Messages API is served: Anthropic's own API, or
// Claude on Amazon Bedrock or Google Vertex AI, through the SDK's own
// adaptations (the bedrock and vertex packages).
type Provider string

// The providers.
const (
	ProviderAnthropic Provider = "anthropic"
	ProviderBedrock   Provider = "bedrock"
	ProviderVertex    Provider = "vertex"
)

// Providers lists the providers, in the order the docs give them.
var Providers = []Provider{ProviderAnthropic, ProviderBedrock, ProviderVertex}

// Label is the provider's name for people.
func (p Provider) Label() string {
	switch p {
	case ProviderBedrock:
		return "Amazon Bedrock"
	case ProviderVertex:
		return "Google Vertex AI"
	}
	return "the Anthropic API"
}

// HasConnector reports whether the provider has the MCP connector
// (mcp_servers, mcp_toolset and its beta). Bedrock and Vertex do not: there
// every MCP server runs on this machine, its tools sent as client tools
// (API-NOTES, the MCP connector page: "not available on Amazon Bedrock or
// Google Vertex").
func (p Provider) HasConnector() bool { return p == "" || p == ProviderAnthropic }

// NewWiredClient returns a client whose requests go to p, a provider other
// than Anthropic's API, through the SDK request options wire returns (the
// bedrock or vertex package's, given the client's own HTTP client to wrap).
// A base URL in o replaces the provider's endpoint (a gateway, or a test's
// fake). connector/cloud builds these from the standard credentials.
func NewWiredClient(o ClientOptions, p Provider, wire func(*http.Client) []option.RequestOption) *Client {
	c := NewClient(o)
	c.provider = p
	c.wire = wire(c.httpClient)
	if o.BaseURL != "" {
		c.wire = append(c.wire, option.WithBaseURL(o.BaseURL))
	}
	return c
}

// Provider is where the client's requests go.
func (c *Client) Provider() Provider {
	if c.provider == "" {
		return ProviderAnthropic
	}
	return c.provider
}

// checkProvider refuses, before anything is sent, a request the provider
// cannot take: on Bedrock and Vertex, any MCP connector server (they must
// run locally) or MCP connector blocks in the history, which need the
// connector's beta.
func (c *Client) checkProvider(req Request) error {
	p := c.Provider()
	if p.HasConnector() {
		return nil
	}
	if len(req.Servers) > 0 {
		names := make([]string, len(req.Servers))
		for i, s := range req.Servers {
			names[i] = s.Name
		}
		return fmt.Errorf("%s has no MCP connector, so %s must run on this machine (route = \"local\"), not through the API",
			p.Label(), strings.Join(names, ", "))
	}
	return nil
}

// checkParams is the last look at what goes out to a provider without the
// connector: no mcp_servers, no mcp_toolset, no MCP beta. A request that
// would carry one does not go.
func (c *Client) checkParams(params anthropic.BetaMessageNewParams) error {
	p := c.Provider()
	if p.HasConnector() {
		return nil
	}
	mcp := len(params.MCPServers) > 0 || len(params.Betas) > 0
	for _, t := range params.Tools {
		mcp = mcp || t.OfMCPToolset != nil
	}
	if mcp {
		return fmt.Errorf("this conversation holds MCP connector blocks from the Anthropic API, which %s cannot take; "+
			"start a new session (/new)", p.Label())
	}
	return nil
}
