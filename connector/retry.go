package connector

import (
	"net/http"
	"strconv"
	"time"
)

// maxBackoff is the SDK's cap on its own exponential backoff.
const maxBackoff = 8 * time.Second

// retryDelay is how long the SDK will wait before retry number n+1 (n
// counts from 0) after res, so the screen can count it down. It follows the
// SDK's rule (requestconfig.retryDelay): retry-after-ms, then retry-after
// in seconds or as an HTTP date, else 0.5 s doubling per retry, capped at
// 8 s. The SDK then subtracts a random jitter of up to a quarter from its
// own backoff, so for that case this is the longest it can wait.
func retryDelay(res *http.Response, n int) time.Duration {
	if d, ok := retryAfter(res); ok {
		return max(d, 0)
	}
	d := time.Duration(float64(500*time.Millisecond) * float64(int64(1)<<min(n, 16)))
	return min(d, maxBackoff)
}

// retryAfter reads the API's own wish, if it stated one.
func retryAfter(res *http.Response) (time.Duration, bool) {
	if res == nil {
		return 0, false
	}
	if v := res.Header.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := res.Header.Get("retry-after")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil {
		return time.Until(t), true
	}
	return 0, false
}

// RetryReason says in a few words why a request is being retried, from the
// status of the failed attempt (Retrying.Status; 0 for a failed
// connection): "rate limited", "API overloaded", "server error (HTTP
// 500)".
func RetryReason(status int) string {
	switch {
	case status == 0:
		return "connection failed"
	case status == http.StatusTooManyRequests:
		return "rate limited"
	case status == 529:
		return "API overloaded"
	case status >= http.StatusInternalServerError:
		return "server error (HTTP " + strconv.Itoa(status) + ")"
	}
	return "HTTP " + strconv.Itoa(status)
}
