package demo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestCRMStory(t *testing.T) {
	for _, tr := range transportNames() {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			cs := startDemo(t, "crm", tr)

			var found findCustomerOut
			decode(t, callOK(t, cs, "find_customer", map[string]any{"query": "ada lovelace"}), &found)
			if found.Count != 1 || found.Matches[0].ID != "cus_001" || found.Matches[0].Name != "Ada Lovelace" {
				t.Fatalf("find ada lovelace = %+v, want only cus_001 Ada Lovelace", found)
			}

			text := callOK(t, cs, "list_orders", map[string]any{"customer_id": "cus_001"})
			var orders listOrdersOut
			decode(t, text, &orders)
			if orders.CustomerName != "Ada Lovelace" || orders.Count != 3 || len(orders.Orders) != 3 {
				t.Fatalf("Ada's orders = %+v, want her 3 orders", orders)
			}
			if orders.Orders[0].ID != "ord_1003" || orders.Orders[2].ID != "ord_1001" {
				t.Errorf("orders not newest first: %s, %s", orders.Orders[0].ID, orders.Orders[2].ID)
			}
			if !strings.Contains(text, "\n  ") {
				t.Errorf("result should be indented JSON for reading, got %q", text[:min(len(text), 80)])
			}

			callOK(t, cs, "update_customer", map[string]any{"id": "cus_001", "fields": map[string]any{"email": "ada@engines.example", "plan": "pro"}})
			var cu Customer
			decode(t, callOK(t, cs, "get_customer", map[string]any{"id": "cus_001"}), &cu)
			if cu.Email != "ada@engines.example" || cu.Plan != "pro" || cu.Name != "Ada Lovelace" {
				t.Errorf("after update get_customer = %+v, want new email and plan, name kept", cu)
			}

			var del deleteCustomerOut
			decode(t, callOK(t, cs, "delete_customer", map[string]any{"id": "cus_001"}), &del)
			if del.Deleted != "cus_001" || del.OrdersRemoved != 3 {
				t.Errorf("delete = %+v, want cus_001 with 3 orders removed", del)
			}
			if msg := callErr(t, cs, "get_customer", map[string]any{"id": "cus_001"}); !strings.Contains(msg, `no customer with id "cus_001"`) {
				t.Errorf("get after delete: %q, want a clear not-found message", msg)
			}
			callErr(t, cs, "list_orders", map[string]any{"customer_id": "cus_001"})
			callErr(t, cs, "delete_customer", map[string]any{"id": "cus_001"})
			decode(t, callOK(t, cs, "find_customer", map[string]any{"query": "Lovelace"}), &found)
			if found.Count != 0 {
				t.Errorf("find after delete = %+v, want no match", found)
			}
		})
	}
}

func TestCRMFind(t *testing.T) {
	cs := startDemo(t, "crm", "streamable")
	cases := []struct {
		query string
		want  []string
	}{
		{"ADA", []string{"cus_001", "cus_004"}}, // Ada Lovelace, and Adastra Aerospace by company
		{"bletchley", []string{"cus_003"}},      // email and company
		{"cambridge", nil},                      // city is not searched
		{"grace hopper", []string{"cus_002"}},
		{"hopper turing", nil}, // every word must match
	}
	for _, c := range cases {
		var out findCustomerOut
		decode(t, callOK(t, cs, "find_customer", map[string]any{"query": c.query}), &out)
		var ids []string
		for _, m := range out.Matches {
			ids = append(ids, m.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(c.want) || out.Count != len(c.want) {
			t.Errorf("find %q = %v (count %d), want %v", c.query, ids, out.Count, c.want)
		}
	}
	res := call(t, cs, "find_customer", map[string]any{"query": ""})
	var all findCustomerOut
	decode(t, resultText(res), &all)
	if all.Count != 12 {
		t.Errorf("empty query found %d customers, want all 12", all.Count)
	}
	if res.StructuredContent == nil {
		t.Error("find_customer should also send structured content")
	}
}

func TestCRMErrors(t *testing.T) {
	cs := startDemo(t, "crm", "streamable")
	cases := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"get_customer", map[string]any{"id": "cus_999"}, `no customer with id "cus_999"; use find_customer`},
		{"list_orders", map[string]any{"customer_id": "ord_1001"}, `no customer with id "ord_1001"`},
		{"update_customer", map[string]any{"id": "cus_002", "fields": map[string]any{"id": "cus_100"}}, "allowed fields: name, email"},
		{"update_customer", map[string]any{"id": "cus_002", "fields": map[string]any{"plan": "platinum"}}, `plan "platinum" is unknown`},
		{"update_customer", map[string]any{"id": "cus_002", "fields": map[string]any{"email": "nope"}}, "not an email address"},
		{"update_customer", map[string]any{"id": "cus_002", "fields": map[string]any{}}, "no fields to update"},
		{"update_customer", map[string]any{"id": "cus_999", "fields": map[string]any{"city": "Paris"}}, `no customer with id "cus_999"`},
		{"get_customer", map[string]any{}, "id"}, // schema validation names the missing argument
	}
	for _, c := range cases {
		if msg := callErr(t, cs, c.tool, c.args); !strings.Contains(msg, c.want) {
			t.Errorf("%s(%v) error = %q, want it to contain %q", c.tool, c.args, msg, c.want)
		}
	}
	// A rejected update changes nothing.
	var cu Customer
	decode(t, callOK(t, cs, "get_customer", map[string]any{"id": "cus_002"}), &cu)
	if cu.Plan != "business" || cu.Email != "grace.hopper@harbor-systems.example" {
		t.Errorf("rejected updates changed the record: %+v", cu)
	}
}

// TestCRMInstances checks that each server instance keeps its own data and
// that concurrent edits from several sessions are all kept.
func TestCRMInstances(t *testing.T) {
	a := startDemo(t, "crm", "streamable")
	b := startDemo(t, "crm", "streamable")
	callOK(t, a, "delete_customer", map[string]any{"id": "cus_003"})
	callOK(t, b, "get_customer", map[string]any{"id": "cus_003"})

	srv, err := New("crm")
	if err != nil {
		t.Fatal(err)
	}
	r := serve(t, srv, ServeOptions{})
	var wg sync.WaitGroup
	for i := range 4 {
		cs := connect(t, r, transportNames()[i%2], nil)
		wg.Go(func() {
			id := fmt.Sprintf("cus_%03d", 5+i)
			ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
			defer cancel()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{
				Name:      "update_customer",
				Arguments: map[string]any{"id": id, "fields": map[string]any{"notes": fmt.Sprintf("note %d", i)}},
			})
			if err != nil || res.IsError {
				t.Errorf("concurrent update %s: %v %v", id, err, res)
			}
		})
	}
	wg.Wait()
	cs := connect(t, r, "streamable", nil)
	for i := range 4 {
		var cu Customer
		decode(t, callOK(t, cs, "get_customer", map[string]any{"id": fmt.Sprintf("cus_%03d", 5+i)}), &cu)
		if cu.Notes != fmt.Sprintf("note %d", i) {
			t.Errorf("%s notes = %q, want %q", cu.ID, cu.Notes, fmt.Sprintf("note %d", i))
		}
	}
}
