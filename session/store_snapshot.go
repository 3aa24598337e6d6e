package session

import (
	"slices"
	"time"

	"patchbay/connector"
)

// snapshot turns sess into what its file holds. The history written is the
// one the next request would build on: a turn still streaming has not
// added its messages yet, so its prompt is left out too.
func (s *Store) snapshot(sess *Session, now time.Time) (*savedFile, []connector.Message) {
	f := &savedFile{
		Version: FormatVersion,
		ID:      sess.ID,
		Created: sess.Created,
		Updated: now,
		Settings: savedSettings{
			Model:     sess.Settings.Model,
			MaxTokens: sess.Settings.MaxTokens,
			System:    sess.Settings.System,
			MCPBeta:   sess.Settings.Beta,
		},
		Servers: make([]savedServer, 0, len(sess.Servers)),
		Turns:   make([]savedTurn, 0, len(sess.Conv.Turns)),
	}
	secrets := sess.Secrets()
	for _, srv := range sess.Servers {
		f.Servers = append(f.Servers, savedServerOf(srv))
	}

	msgs := sess.Conv.History
	if t := sess.Conv.Current(); t != nil && t.State == TurnStreaming && t.historyLen <= len(msgs) {
		msgs = msgs[:t.historyLen]
	}
	turns := sess.Conv.Turns
	prev := 0 // where the last saved turn's messages end
	for i, t := range turns {
		if t.Direct {
			// Nothing of it is in the history: an empty range where
			// it falls, its block kept whole.
			st := s.savedTurn(t, msgs, prev, secrets)
			st.Messages = [2]int{prev, prev}
			f.Turns = append(f.Turns, st)
			continue
		}
		end := len(msgs)
		if next := nextModelTurn(turns, i); next != nil {
			end = min(next.historyLen, end)
		}
		st := s.savedTurn(t, msgs, end, secrets)
		prev = st.Messages[1]
		f.Turns = append(f.Turns, st)
	}
	return f, msgs
}

// nextModelTurn is the first turn after turns[i] that is not a direct
// call, or nil.
func nextModelTurn(turns []*Turn, i int) *Turn {
	for _, t := range turns[i+1:] {
		if !t.Direct {
			return t
		}
	}
	return nil
}

// savedServerOf records a server's choices and where its token comes
// from, never the token.
func savedServerOf(srv *ServerState) savedServer {
	sv := savedServer{
		Name:        srv.Name,
		URL:         srv.URL,
		TokenEnv:    srv.TokenEnv,
		TokenFile:   srv.TokenFile,
		InlineToken: srv.TokenInline,
		Enabled:     srv.Enabled,
		Mode:        string(srv.Filter.Mode),
		Tools:       cloneStrings(srv.Filter.Tools),
		Defer:       cloneStrings(srv.Filter.Defer),
	}
	if sv.Mode == "" {
		sv.Mode = string(connector.ModeAll)
	}
	if len(srv.Pinned) > 0 {
		sv.Pinned = slices.Clone(srv.Pinned)
	}
	return sv
}

// savedTurn records t. A finished turn's blocks are its messages in
// msgs[t.historyLen:end]; only their times are kept beside them. Any other
// turn (or one whose blocks do not match its messages) keeps its blocks.
func (s *Store) savedTurn(t *Turn, msgs []connector.Message, end int, secrets connector.Secrets) savedTurn {
	st := savedTurn{
		Prompt:       t.Prompt,
		Continuation: t.Continuation,
		Direct:       t.Direct,
		Started:      t.Started,
		Ended:        t.Ended,
		State:        stateName(t.State),
		StopReason:   t.StopReason,
		Usage:        t.Usage,
		RequestID:    t.RequestID,
		Notes:        scrubAll(t.Notes, secrets),
		Messages:     [2]int{t.historyLen, t.historyLen},
		Sent:         scrubSent(t.Sent, secrets),
		Offered:      t.Offered,
	}
	if t.Err != nil {
		st.Error = secrets.Redact(t.Err.Error())
		st.ErrorText = secrets.Redact(ErrorSentence(t.Err, s.cfg.API.APIKeyEnv, nil, OnScreen))
	}
	inHistory := !t.Direct && t.State == TurnDone && t.historyLen <= end && end <= len(msgs) &&
		assistantBlocks(msgs[t.historyLen:end]) == len(t.Blocks)
	if inHistory {
		st.Messages[1] = end
	}
	st.Blocks = make([]savedBlock, len(t.Blocks))
	for i, b := range t.Blocks {
		sb := savedBlock{Started: b.Started, Finished: b.Finished}
		if b.Local {
			sb.Local = &savedLocal{Server: b.Server, Tool: b.Tool}
			if !inHistory && b.Result != nil {
				// The history does not hold the result of a turn that
				// did not finish.
				sb.Local.Result = secrets.RedactBytes(b.Result.Raw)
			}
		}
		if b.Direct {
			sb.Direct = &savedLocal{Server: b.Server, Tool: b.Tool}
			if b.Result != nil {
				sb.Direct.Result = secrets.RedactBytes(b.Result.Raw)
			}
		}
		if !inHistory {
			sb.Raw, sb.Done = b.Raw, b.Done
			if !b.Done {
				sb.Text, sb.Input = b.Text, b.Input
			}
		}
		st.Blocks[i] = sb
	}
	return st
}

func assistantBlocks(msgs []connector.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Role == "assistant" {
			n += len(m.Content)
		}
	}
	return n
}

func stateName(s TurnState) string {
	switch s {
	case TurnDone:
		return stateDone
	case TurnFailed:
		return stateFailed
	case TurnCancelled:
		return stateCancelled
	default:
		return stateStreaming
	}
}

// scrubAll hides token values in text patchbay wrote itself (notes); the
// conversation's blocks are kept exact.
func scrubAll(texts []string, secrets connector.Secrets) []string {
	if len(texts) == 0 {
		return nil
	}
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = secrets.Redact(t)
	}
	return out
}

// scrubSent redacts, once more, any secret a recorded request still holds
// (the connector redacted the tokens it sent; a secret may have changed).
func scrubSent(sent []connector.SentRequest, secrets connector.Secrets) []connector.SentRequest {
	if len(sent) == 0 {
		return nil
	}
	out := make([]connector.SentRequest, len(sent))
	for i, r := range sent {
		r.Before, r.After = secrets.Redact(r.Before), secrets.Redact(r.After)
		out[i] = r
	}
	return out
}
