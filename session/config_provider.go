package session

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	"patchbay/connector"
)

// region is the shape of an AWS region or a Vertex AI location
// ("us-east-1", "europe-west4", "global"): it goes into a host name and a
// URL path, so nothing else is let through.
var region = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// projectID is Google Cloud's rule for a project ID: 6 to 30 lower-case
// letters, digits and hyphens, starting with a letter (older projects may
// have a domain prefix, "example.com:my-project").
var projectID = regexp.MustCompile(`^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$`)

// provider reads [api] provider, region and project_id, reporting every
// problem of the three at once.
func (v *validator) provider(f fileAPI) error {
	a := &v.cfg.API
	var errs []error
	if f.Provider != nil {
		p := connector.Provider(*f.Provider)
		if slices.Contains(connector.Providers, p) {
			a.Provider = p
		} else {
			errs = append(errs, v.fail(`[api] provider %q is not known; use "anthropic" (the default), "bedrock" (Amazon Bedrock) `+
				`or "vertex" (Google Vertex AI)`, *f.Provider))
		}
	}
	if f.Region != nil {
		switch {
		case a.Provider.HasConnector():
			errs = append(errs, v.fail(`[api] region is only for provider = "bedrock" or "vertex"; remove it, or set the provider`))
		case !region.MatchString(*f.Region):
			errs = append(errs, v.fail(`[api] region %q is not a region name; write it like region = "us-east-1" (Bedrock) `+
				`or region = "us-east5" (Vertex)`, *f.Region))
		default:
			a.Region = *f.Region
		}
	} else if a.Provider == connector.ProviderVertex {
		errs = append(errs, v.fail(`[api] provider = "vertex" needs region, the Vertex AI location; e.g. region = "us-east5" or "global"`))
	}
	if f.ProjectID != nil {
		switch {
		case a.Provider != connector.ProviderVertex:
			errs = append(errs, v.fail(`[api] project_id is only for provider = "vertex"; remove it, or set provider = "vertex"`))
		case !projectID.MatchString(*f.ProjectID):
			errs = append(errs, v.fail(`[api] project_id %q is not a Google Cloud project ID (lower-case letters, digits and -); `+
				`write it like project_id = "my-project"`, *f.ProjectID))
		default:
			a.ProjectID = *f.ProjectID
		}
	}
	if !a.Provider.HasConnector() && f.APIKeyEnv != nil {
		errs = append(errs, v.fail(`[api] api_key_env is not used with provider = %q, whose credentials come from %s; remove it`,
			a.Provider, credentialPlace(a.Provider)))
	}
	return errors.Join(errs...)
}

// credentialPlace names where a provider's credentials come from.
func credentialPlace(p connector.Provider) string {
	switch p {
	case connector.ProviderBedrock:
		return "the AWS default chain (environment, ~/.aws, SSO, instance role) or AWS_BEARER_TOKEN_BEDROCK"
	case connector.ProviderVertex:
		return "Google Application Default Credentials (gcloud auth application-default login)"
	}
	return "api_key_env"
}

// ProviderNote says, once, what a provider without the MCP connector means
// for the servers; "" for Anthropic's API.
func ProviderNote(a APIConfig) string {
	if a.Provider.HasConnector() {
		return ""
	}
	where := a.Provider.Label()
	if a.Region != "" {
		where += " (" + a.Region + ")"
	}
	return strings.TrimSpace("Provider: " + where + ". It has no MCP connector, so every server runs on this machine " +
		"(patchbay is the MCP client); servers the API would have called are called by patchbay itself.")
}

// ProviderLabel is the screen's short name for where live turns go: ""
// for Anthropic's API, else the provider, its region, and that servers run
// locally.
func ProviderLabel(a APIConfig) string {
	if a.Provider.HasConnector() {
		return ""
	}
	label := a.Provider.Label()
	if a.Region != "" {
		label += " " + a.Region
	}
	return label + " · servers run locally"
}

// providerRoute makes an http server local on a provider without the MCP
// connector: patchbay calls it itself, since the API cannot. A server that
// asks for the API's route there cannot work, which is said.
func (v *validator) providerRoute(label string, s *ServerConfig) error {
	p := v.cfg.API.Provider
	if p.HasConnector() {
		return nil
	}
	if s.Route == RouteAPI {
		return v.fail(`%s: route = "api" needs the MCP connector, which %s does not have; remove route `+
			`(with provider = %q every server runs on this machine)`, label, p.Label(), p)
	}
	s.Route = RouteLocal
	return nil
}
