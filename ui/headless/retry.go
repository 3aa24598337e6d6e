package headless

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"patchbay/connector"
)

// MaxRetryWaitUsage is the help text of the -max-retry-wait flag.
const MaxRetryWaitUsage = "headless: give up instead of waiting longer than `DURATION` (e.g. 30s, 2m) before a retry " +
	"the API asks for; 0 waits as long as it asks"

// RetryWait is the -max-retry-wait flag: a flag.Value holding a duration
// (Options.MaxRetryWait). It takes Go durations ("30s", "2m") and plain
// seconds ("45").
type RetryWait time.Duration

// String shows the value as the flag package prints defaults.
func (w *RetryWait) String() string {
	if w == nil || *w == 0 {
		return "0"
	}
	return time.Duration(*w).String()
}

// Set reads the flag's value.
func (w *RetryWait) Set(s string) error {
	d, err := ParseRetryWait(s)
	if err != nil {
		return err
	}
	*w = RetryWait(d)
	return nil
}

// Duration is the value for Options.MaxRetryWait.
func (w RetryWait) Duration() time.Duration { return time.Duration(w) }

// ParseRetryWait reads a -max-retry-wait value: a Go duration ("30s",
// "1m30s") or a number of seconds ("45"); zero means no limit.
func ParseRetryWait(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, nerr := strconv.ParseFloat(s, 64)
		if nerr != nil || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, fmt.Errorf("%q is not a duration; write it like 30s or 2m", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative; give a wait like 30s, or 0 for no limit", s)
	}
	return d, nil
}

// RetryWaitError stops a headless run whose next retry would wait longer
// than Options.MaxRetryWait.
type RetryWaitError struct {
	Retry connector.Retrying
	Max   time.Duration
}

func (e *RetryWaitError) Error() string {
	return fmt.Sprintf("the next retry (%s) would wait %s, longer than the maximum of %s (-max-retry-wait)",
		retryWhy(e.Retry.Status), seconds(e.Retry.Delay), seconds(e.Max))
}

// Explain is the sentence for the user (session.ErrorSentence says it).
func (e *RetryWaitError) Explain() string {
	return fmt.Sprintf("The API asked to wait %s before retrying (%s), longer than -max-retry-wait %s allows, "+
		"so the run stopped instead of waiting; try again later or raise -max-retry-wait.",
		seconds(e.Retry.Delay), retryWhy(e.Retry.Status), seconds(e.Max))
}

// retryWhy names the failed attempt: "429 rate limited", "API
// overloaded (529)", "connection failed".
func retryWhy(status int) string {
	reason := connector.RetryReason(status)
	code := strconv.Itoa(status)
	if status == 0 || strings.Contains(reason, code) {
		return reason
	}
	return code + " " + reason
}

// seconds writes a wait for people: "30 s", "0.5 s", "2 min 5 s".
func seconds(d time.Duration) string {
	switch {
	case d < 100*time.Millisecond:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < 10*time.Second && d%time.Second != 0:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	case d < 2*time.Minute:
		return strconv.Itoa(int(math.Ceil(d.Seconds()))) + " s"
	}
	s := int(math.Ceil(d.Seconds()))
	if s%60 == 0 {
		return strconv.Itoa(s/60) + " min"
	}
	return strconv.Itoa(s/60) + " min " + strconv.Itoa(s%60) + " s"
}

// retryInSeconds is a retry's delay for the JSON output, to the
// millisecond.
func retryInSeconds(d time.Duration) float64 {
	return math.Round(d.Seconds()*1000) / 1000
}
