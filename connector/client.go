package connector

import (
	"context"
	"net/http"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// defaultMaxRetries matches the SDK's own default.
const defaultMaxRetries = 2

// headerTimeout bounds the wait for response headers only; a stream's body
// may take as long as the model needs, and the caller's context ends it.
const headerTimeout = 10 * time.Minute

// ClientOptions configure a Client. The zero value talks to the production
// API with the SDK's default retries and no key.
type ClientOptions struct {
	APIKey  string // sent as "authorization: Bearer" (SDK v2); never logged
	BaseURL string // empty: the production API
	// MaxRetries is how often a failed request is retried: 0 means the
	// SDK's default (2), a negative value means never.
	MaxRetries int
	// HTTPClient, if set, must have no Timeout: it would cut long streams.
	HTTPClient *http.Client
	// StallTimeout ends a reply when the API sends no byte for this long
	// (DefaultStallTimeout when zero; never when negative, as
	// NoStallTimeout).
	StallTimeout time.Duration
}

// Client runs turns against the Messages API with the MCP connector.
type Client struct {
	api          anthropic.Client
	maxRetries   int
	stallTimeout time.Duration // 0: no stall detection
	// now is the clock Silence reads; tests set a fake one.
	now func() time.Time
	// provider is where requests go ("" is Anthropic's API); wire are the
	// provider's request options (bedrock, vertex), given last on every
	// request so they run closest to the wire: patchbay's middleware sees
	// the request in the Anthropic shape, before it is rewritten and
	// signed.
	provider   Provider
	wire       []option.RequestOption
	httpClient *http.Client
}

// NewClient returns a client that reads nothing from the environment: the
// key and base URL come only from o, so what runs is what the user chose.
func NewClient(o ClientOptions) *Client {
	retries := o.MaxRetries
	switch {
	case retries == 0:
		retries = defaultMaxRetries
	case retries < 0:
		retries = 0
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{}
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			t = t.Clone()
			t.ResponseHeaderTimeout = headerTimeout
			hc.Transport = t
		}
	}
	opts := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(retries),
	}
	if o.APIKey != "" {
		opts = append(opts, option.WithAPIKey(o.APIKey))
	}
	if o.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(o.BaseURL))
	}
	return &Client{api: anthropic.NewClient(opts...), maxRetries: retries, stallTimeout: stallTimeout(o.StallTimeout), now: time.Now,
		httpClient: hc}
}

// watchRetries returns a middleware that sees every attempt of one request
// and announces each retry the SDK is about to make, so the user sees why
// the reply is late while the SDK waits.
func (c *Client) watchRetries(ctx context.Context, emit func(Event)) option.Middleware {
	attempts := 0
	return func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		res, err := next(r)
		attempts++
		if attempts <= c.maxRetries && ctx.Err() == nil && sdkRetries(res) {
			status := 0
			if res != nil {
				status = res.StatusCode
			}
			emit(Retrying{Attempt: attempts, MaxRetries: c.maxRetries, Status: status, Delay: retryDelay(res, attempts-1)})
		}
		return res, err
	}
}

// sdkRetries mirrors the SDK's retry rule (requestconfig.shouldRetry):
// connection errors, 408, 409, 429 and 5xx, unless x-should-retry says
// otherwise.
func sdkRetries(res *http.Response) bool {
	if res == nil {
		return true
	}
	switch res.Header.Get("x-should-retry") {
	case "true":
		return true
	case "false":
		return false
	}
	switch res.StatusCode {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooManyRequests:
		return true
	}
	return res.StatusCode >= http.StatusInternalServerError
}
