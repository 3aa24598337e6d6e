package sandbox

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox/emulator"
)

func TestParseSandboxFaults(t *testing.T) {
	got, err := ParseFaults("status:529, status:429:3,error_event:2,drop,no_message_stop,stall,drip:50ms,stray_tool_use,pause_turn")
	if err != nil {
		t.Fatal(err)
	}
	want := []emulator.Fault{
		{Kind: emulator.FaultStatus, Status: 529, RetryAfterMs: "1"},
		{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "3"},
		{Kind: emulator.FaultErrorEvent, AfterFrames: 2},
		{Kind: emulator.FaultDrop},
		{Kind: emulator.FaultNoMessageStop},
		{Kind: emulator.FaultStall},
		{Kind: emulator.FaultDrip, Delay: 50 * time.Millisecond},
		{Kind: emulator.FaultStrayToolUse},
		{Kind: emulator.FaultPauseTurn},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("faults\n got %+v\nwant %+v", got, want)
	}
	for spec, msg := range map[string]string{
		"status:200":      "status 200 is not an HTTP error",
		"status:429:soon": `"status:429:soon"`,
		"status:429:-1":   `retry-after "-1" is negative`,
		"stall:3":         "takes no argument",
		"explode":         "unknown fault",
	} {
		if _, err := ParseFaults(spec); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want it to mention %q", spec, err, msg)
		}
	}
}

// TestE2EFaultsInTheTUI acts out API faults in the real binary, in tmux, as
// a person sees them: a rate limit counted down and retried, a stalled
// reply given up with the draft kept and /retry working, and a dropped
// connection whose partial answer stays on screen.

func TestOptionsFromEnv(t *testing.T) {
	env := map[string]string{FaultEnv: "status:529,drop", DemoEnv: "crm:roots_tool"}
	o, err := OptionsFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Faults) != 2 || o.Faults[1].Kind != emulator.FaultDrop || !o.Demo["crm"].RootsTool {
		t.Errorf("options %+v", o)
	}
	for k, v := range map[string]string{FaultEnv: "explode", DemoEnv: "crm:fly"} {
		if _, err := OptionsFromEnv(func(key string) string { return map[string]string{k: v}[key] }); err == nil {
			t.Errorf("$%s=%s was accepted", k, v)
		}
	}
}
