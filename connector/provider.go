package connector

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/bedrock"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/vertex"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"golang.org/x/oauth2/google"
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

// vertexScope is the OAuth scope Vertex AI's API takes.
const vertexScope = "https://www.googleapis.com/auth/cloud-platform"

// ProviderOptions configure NewProviderClient.
type ProviderOptions struct {
	ClientOptions
	Provider Provider
	// Region is the AWS region (Bedrock; empty: the AWS default chain's)
	// or the Vertex AI location, e.g. "us-east5" or "global".
	Region string
	// ProjectID is the Google Cloud project (Vertex; empty: the one the
	// credentials name).
	ProjectID string
}

// NewProviderClient returns a client for o.Provider. Anthropic's API is
// NewClient (the key from o.APIKey). Bedrock's credentials come from the
// AWS default chain (environment, shared config and credentials files,
// SSO, the instance's role) or AWS_BEARER_TOKEN_BEDROCK; Vertex's from
// Google's Application Default Credentials. Nothing is stored. A base URL
// in o replaces the provider's endpoint (a gateway, or a test's fake).
func NewProviderClient(ctx context.Context, o ProviderOptions) (*Client, error) {
	switch o.Provider {
	case "", ProviderAnthropic:
		return NewClient(o.ClientOptions), nil
	case ProviderBedrock:
		return newBedrockClient(ctx, o)
	case ProviderVertex:
		return newVertexClient(ctx, o)
	}
	return nil, fmt.Errorf("provider %q is not known; use anthropic, bedrock or vertex", o.Provider)
}

func newBedrockClient(ctx context.Context, o ProviderOptions) (*Client, error) {
	var load []func(*awsconfig.LoadOptions) error
	if o.Region != "" {
		load = append(load, awsconfig.WithRegion(o.Region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("cannot read the AWS configuration (%w); check ~/.aws/config and AWS_PROFILE", err)
	}
	if cfg.Region == "" {
		return nil, errors.New(`the Bedrock provider needs a region; set region = "us-east-1" (say) in [api], or AWS_REGION`)
	}
	// A bearer token (AWS_BEARER_TOKEN_BEDROCK) needs no credentials; else
	// fetch them now, so a missing login is said at start-up, once.
	if !bedrockBearer() && cfg.Credentials != nil {
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return nil, fmt.Errorf("no AWS credentials found for Amazon Bedrock (%s); sign in with aws sso login, "+
				"or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: %w", firstLine(err), errNoCredentials)
		}
	}
	c := NewClient(o.ClientOptions)
	c.provider = ProviderBedrock
	c.wire = []option.RequestOption{bedrock.WithConfig(cfg)}
	if o.BaseURL != "" {
		c.wire = append(c.wire, option.WithBaseURL(o.BaseURL))
	}
	return c, nil
}

// errNoCredentials marks a provider's missing credentials.
var errNoCredentials = errors.New("no credentials")

func bedrockBearer() bool {
	// The SDK's bedrock package reads this variable itself; it is AWS's
	// standard place for a Bedrock API key.
	return os.Getenv("AWS_BEARER_TOKEN_BEDROCK") != ""
}

func newVertexClient(ctx context.Context, o ProviderOptions) (*Client, error) {
	if o.Region == "" {
		return nil, errors.New(`the Vertex provider needs a region; set region = "us-east5" (say, or "global") in [api]`)
	}
	creds, err := google.FindDefaultCredentials(ctx, vertexScope)
	if err != nil {
		return nil, fmt.Errorf("no Google credentials found for Vertex AI (%s); run gcloud auth application-default login, "+
			"or set GOOGLE_APPLICATION_CREDENTIALS: %w", firstLine(err), errNoCredentials)
	}
	project := o.ProjectID
	if project == "" {
		project = creds.ProjectID
	}
	if project == "" {
		return nil, errors.New(`the Vertex provider needs a project; set project_id = "my-project" in [api], or name one in your Google credentials`)
	}
	c := NewClient(o.ClientOptions)
	c.provider = ProviderVertex
	// The client's own HTTP client comes first, so vertex wraps it with
	// the credentials rather than replace it.
	c.wire = []option.RequestOption{option.WithHTTPClient(c.httpClient), vertex.WithCredentials(ctx, o.Region, project, creds)}
	if o.BaseURL != "" {
		c.wire = append(c.wire, option.WithBaseURL(o.BaseURL))
	}
	return c, nil
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

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
