// Package cloud builds the client for Claude on Amazon Bedrock or Google
// Vertex AI, from each cloud's standard credentials, through the SDK's own
// bedrock and vertex packages. It is apart from connector so that only the
// program itself links the AWS and Google libraries, not every package and
// test that runs a turn.
package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2/bedrock"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/vertex"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"golang.org/x/oauth2/google"

	"patchbay/connector"
)

// vertexScope is the OAuth scope Vertex AI's API takes.
const vertexScope = "https://www.googleapis.com/auth/cloud-platform"

// Options configure NewClient.
type Options struct {
	connector.ClientOptions
	Provider connector.Provider
	// Region is the AWS region (Bedrock; empty: the AWS default chain's)
	// or the Vertex AI location, e.g. "us-east5" or "global".
	Region string
	// ProjectID is the Google Cloud project (Vertex; empty: the one the
	// credentials name).
	ProjectID string
}

// ErrNoCredentials marks a provider's missing credentials.
var ErrNoCredentials = errors.New("no credentials")

// NewClient returns a client for o.Provider. Anthropic's API is
// connector.NewClient (the key from o.APIKey). Bedrock's credentials come
// from the AWS default chain (environment, shared config and credentials
// files, SSO, the instance's role) or AWS_BEARER_TOKEN_BEDROCK; Vertex's
// from Google's Application Default Credentials. Nothing is stored. A base
// URL in o replaces the provider's endpoint (a gateway, or a test's fake).
func NewClient(ctx context.Context, o Options) (*connector.Client, error) {
	switch o.Provider {
	case "", connector.ProviderAnthropic:
		return connector.NewClient(o.ClientOptions), nil
	case connector.ProviderBedrock:
		return newBedrockClient(ctx, o)
	case connector.ProviderVertex:
		return newVertexClient(ctx, o)
	}
	return nil, fmt.Errorf("provider %q is not known; use anthropic, bedrock or vertex", o.Provider)
}

func newBedrockClient(ctx context.Context, o Options) (*connector.Client, error) {
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
				"or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: %w", firstLine(err), ErrNoCredentials)
		}
	}
	return connector.NewWiredClient(o.ClientOptions, connector.ProviderBedrock, func(*http.Client) []option.RequestOption {
		return []option.RequestOption{bedrock.WithConfig(cfg)}
	}), nil
}

func bedrockBearer() bool {
	// The SDK's bedrock package reads this variable itself; it is AWS's
	// standard place for a Bedrock API key.
	return os.Getenv("AWS_BEARER_TOKEN_BEDROCK") != ""
}

func newVertexClient(ctx context.Context, o Options) (*connector.Client, error) {
	if o.Region == "" {
		return nil, errors.New(`the Vertex provider needs a region; set region = "us-east5" (say, or "global") in [api]`)
	}
	creds, err := google.FindDefaultCredentials(ctx, vertexScope)
	if err != nil {
		return nil, fmt.Errorf("no Google credentials found for Vertex AI (%s); run gcloud auth application-default login, "+
			"or set GOOGLE_APPLICATION_CREDENTIALS: %w", firstLine(err), ErrNoCredentials)
	}
	project := o.ProjectID
	if project == "" {
		project = creds.ProjectID
	}
	if project == "" {
		return nil, errors.New(`the Vertex provider needs a project; set project_id = "my-project" in [api], or name one in your Google credentials`)
	}
	// The client's own HTTP client comes first, so vertex wraps it with
	// the credentials rather than replace it.
	return connector.NewWiredClient(o.ClientOptions, connector.ProviderVertex, func(hc *http.Client) []option.RequestOption {
		return []option.RequestOption{option.WithHTTPClient(hc), vertex.WithCredentials(ctx, o.Region, project, creds)}
	}), nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
