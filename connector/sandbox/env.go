package sandbox

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"patchbay/connector/sandbox/demo"
	"patchbay/connector/sandbox/emulator"
	"patchbay/connector/sandbox/oauthdemo"
)

// OptionsFromEnv reads the test variables FaultEnv and DemoEnv into
// Options.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	faults, err := ParseFaults(getenv(FaultEnv))
	if err != nil {
		return Options{}, err
	}
	demo, err := ParseDemo(getenv(DemoEnv))
	if err != nil {
		return Options{}, err
	}
	o := Options{Faults: faults, Demo: demo}
	o.OAuth, o.OAuthOptions, err = ParseOAuth(getenv(OAuthEnv))
	if err != nil {
		return Options{}, err
	}
	return o, nil
}

// OAuthEnv names a variable that adds the OAuth-protected demo server
// (OAuthServerName) and its in-process authorization server to the
// sandbox, so signing in can be tried offline: "1", or
// "access_ttl=DURATION" for tokens that expire that soon (to watch them
// renewed). It has no effect outside the sandbox.
const OAuthEnv = "PATCHBAY_SANDBOX_OAUTH"

// ParseOAuth reads $PATCHBAY_SANDBOX_OAUTH.
func ParseOAuth(spec string) (bool, oauthdemo.Options, error) {
	var o oauthdemo.Options
	switch spec = strings.TrimSpace(spec); {
	case spec == "" || spec == "0":
		return false, o, nil
	case spec == "1":
		return true, o, nil
	case strings.HasPrefix(spec, "access_ttl="):
		d, err := time.ParseDuration(strings.TrimPrefix(spec, "access_ttl="))
		if err != nil || d <= 0 {
			return false, o, fmt.Errorf("$%s: %q needs a positive duration, e.g. access_ttl=2m", OAuthEnv, spec)
		}
		o.AccessTTL = d
		return true, o, nil
	}
	return false, o, fmt.Errorf("$%s: %q is not known; use 1 or access_ttl=DURATION", OAuthEnv, spec)
}

// FaultEnv names a variable for tests and demos of failure: the
// sandbox's Messages API emulator acts out the listed faults, one per
// request, in order. It has no effect outside the sandbox.
const FaultEnv = "PATCHBAY_SANDBOX_FAULT"

// ParseFaults reads $PATCHBAY_SANDBOX_FAULT: a comma-separated list
// of status:CODE (answered with retry-after-ms: 1, so retries are quick),
// status:CODE:SECONDS (answered with retry-after: SECONDS),
// error_event[:FRAMES], drop[:FRAMES], no_message_stop, stall, drip:DURATION,
// stray_tool_use, pause_turn and ignore_toolset.
func ParseFaults(spec string) ([]emulator.Fault, error) {
	var out []emulator.Fault
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kind, arg, hasArg := strings.Cut(item, ":")
		f := emulator.Fault{Kind: emulator.FaultKind(kind)}
		var err error
		switch f.Kind {
		case emulator.FaultStatus:
			code, wait, hasWait := strings.Cut(arg, ":")
			f.Status, err = strconv.Atoi(code)
			if err == nil && (f.Status < 400 || f.Status > 599) {
				err = fmt.Errorf("status %d is not an HTTP error", f.Status)
			}
			f.RetryAfterMs = "1"
			if hasWait && err == nil {
				// The API's own retry-after, in seconds, for the countdown.
				var secs float64
				if secs, err = strconv.ParseFloat(wait, 64); err == nil && secs < 0 {
					err = fmt.Errorf("retry-after %q is negative", wait)
				}
				f.RetryAfter, f.RetryAfterMs = wait, ""
			}
		case emulator.FaultErrorEvent, emulator.FaultDrop:
			if hasArg {
				f.AfterFrames, err = strconv.Atoi(arg)
			}
		case emulator.FaultDrip:
			f.Delay, err = time.ParseDuration(arg)
		case emulator.FaultNoMessageStop, emulator.FaultStall, emulator.FaultStrayToolUse, emulator.FaultPauseTurn, emulator.FaultIgnoreToolset:
			if hasArg {
				err = fmt.Errorf("takes no argument")
			}
		default:
			err = fmt.Errorf("unknown fault (known: status:CODE[:SECONDS], error_event, drop, no_message_stop, stall, drip:DURATION, stray_tool_use, pause_turn, ignore_toolset)")
		}
		if err != nil {
			return nil, fmt.Errorf("$%s: %q: %w", FaultEnv, item, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// DemoEnv names a variable for tests of discovery: it gives demo
// servers test behaviour, as a comma-separated list of SERVER:list_delay=D
// (tools/list answers after D) and SERVER:roots_tool (a tool listed only
// to clients that declare roots). It has no effect outside the sandbox.
const DemoEnv = "PATCHBAY_SANDBOX_DEMO"

// ParseDemo reads $PATCHBAY_SANDBOX_DEMO.
func ParseDemo(spec string) (map[string]demo.Options, error) {
	out := map[string]demo.Options{}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		server, what, ok := strings.Cut(item, ":")
		if !ok || server == "" {
			return nil, fmt.Errorf("%s: %q is not SERVER:list_delay=DURATION or SERVER:roots_tool", DemoEnv, item)
		}
		o := out[server]
		key, val, _ := strings.Cut(what, "=")
		switch key {
		case "list_delay":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("%s: %q needs a positive duration, e.g. list_delay=5s", DemoEnv, item)
			}
			o.ListDelay = d
		case "roots_tool":
			o.RootsTool = true
		default:
			return nil, fmt.Errorf("%s: %q is not known; use list_delay=DURATION or roots_tool", DemoEnv, item)
		}
		out[server] = o
	}
	return out, nil
}
