//go:build !race

package session_test

// raceOn is true under the race detector, which makes the property tests
// several times slower: they then run fewer cases.
const raceOn = false
