package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/anthropics/anthropic-sdk-go"
)

// DescribeError says in one plain sentence what went wrong with a turn and
// what to do about it. apiKeyEnv names the variable the key came from (for
// example ANTHROPIC_API_KEY); the key itself is never mentioned.
func DescribeError(err error, apiKeyEnv string) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, context.Canceled) {
		return "The request was cancelled."
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "The request timed out; try again."
	}
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		return describeAPIError(apiErr, apiKeyEnv)
	}
	if errors.Is(err, ErrIncomplete) {
		return "The connection dropped in the middle of the reply; try again."
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Sprintf("The API host %s could not be found; check your network and the base URL.", dnsErr.Name)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "Could not connect to the API (connection refused); check the base URL and your network."
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return "The API did not answer in time; check your network and try again."
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return "Could not reach the API; check your network and the base URL."
	}
	return fmt.Sprintf("The request failed: %v.", err)
}

func describeAPIError(e *anthropic.Error, apiKeyEnv string) string {
	msg := apiMessage(e)
	keyHint := "check your API key"
	if apiKeyEnv != "" {
		keyHint = "check $" + apiKeyEnv
	}
	// A mid-stream error event arrives on a 200 response; its type says what
	// happened.
	if e.StatusCode == http.StatusOK {
		if e.Type() == "overloaded_error" {
			return "The API became overloaded in the middle of the reply; try again in a moment."
		}
		return fmt.Sprintf("The API broke off the reply with an error (%s); try again.", orType(msg, e))
	}
	switch code := e.StatusCode; {
	case code == http.StatusUnauthorized:
		return fmt.Sprintf("The API key was rejected as invalid; %s.", keyHint)
	case code == http.StatusForbidden:
		return fmt.Sprintf("The API key is not allowed to do this (%s); %s.", orType(msg, e), keyHint)
	case code == http.StatusPaymentRequired:
		return fmt.Sprintf("The API refused the request for billing reasons (%s); check your account.", orType(msg, e))
	case code == http.StatusTooManyRequests:
		return "The API is rate limiting this key; wait a moment and retry."
	case code == 529:
		return "The API is overloaded right now; try again in a moment."
	case code == http.StatusRequestEntityTooLarge:
		return "The request is too large for the API; start a new conversation or switch off some servers."
	case code == http.StatusNotFound:
		return fmt.Sprintf("The API could not find what was asked for (%s); check the model name and the base URL.", orType(msg, e))
	case code >= 500:
		return fmt.Sprintf("The API had a server error (HTTP %d); try again later.", code)
	case code >= 400:
		return fmt.Sprintf("The API rejected the request: %s.", orType(msg, e))
	default:
		return fmt.Sprintf("The API answered with HTTP %d; try again.", code)
	}
}

// apiMessage is the error.message of the API's error body, if any.
func apiMessage(e *anthropic.Error) string {
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(e.RawJSON()), &body) != nil {
		return ""
	}
	// Our sentences add their own full stop.
	return strings.TrimRight(body.Error.Message, ". ")
}

func orType(msg string, e *anthropic.Error) string {
	if msg != "" {
		return msg
	}
	if t := e.Type(); t != "" {
		return string(t)
	}
	return http.StatusText(e.StatusCode)
}
