package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error answered as the API's standard error body.
type apiError struct {
	status int
	// typ overrides the error type derived from status.
	typ string
	msg string
}

func (e *apiError) Error() string { return e.msg }

func (e *apiError) errorType() string {
	if e.typ != "" {
		return e.typ
	}
	return errorTypeFor(e.status)
}

// invalid builds a 400 invalid_request_error.
func invalid(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// errorTypeFor maps an HTTP status to the API's error type.
func errorTypeFor(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusPaymentRequired:
		return "billing_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusConflict:
		return "conflict_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusGatewayTimeout:
		return "timeout_error"
	case 529:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

// statusFor is the inverse of errorTypeFor, for error events that must
// become HTTP errors in a non-streaming response.
func statusFor(errType string) int {
	switch errType {
	case "authentication_error":
		return http.StatusUnauthorized
	case "billing_error":
		return http.StatusPaymentRequired
	case "permission_error":
		return http.StatusForbidden
	case "not_found_error":
		return http.StatusNotFound
	case "request_too_large":
		return http.StatusRequestEntityTooLarge
	case "rate_limit_error":
		return http.StatusTooManyRequests
	case "timeout_error":
		return http.StatusGatewayTimeout
	case "overloaded_error":
		return 529
	case "invalid_request_error":
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// defaultMessage is the text of an injected error without a message.
func defaultMessage(errType string) string {
	switch errType {
	case "overloaded_error":
		return "Overloaded"
	case "rate_limit_error":
		return "Rate limited: this request would exceed your rate limit."
	case "api_error":
		return "Internal server error"
	case "authentication_error":
		return "invalid x-api-key"
	case "permission_error":
		return "Your API key does not have permission to use the specified resource."
	case "not_found_error":
		return "Not found"
	case "request_too_large":
		return "Request exceeds the maximum allowed number of bytes."
	}
	return "Injected error"
}

type errorDetail struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

type errorBody struct {
	Type      string      `json:"type"`
	Error     errorDetail `json:"error"`
	RequestID string      `json:"request_id,omitempty"`
}

func writeAPIError(w http.ResponseWriter, reqID string, e *apiError) {
	body, _ := json.Marshal(errorBody{
		Type:      "error",
		Error:     errorDetail{Type: e.errorType(), Message: e.msg},
		RequestID: reqID,
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}
