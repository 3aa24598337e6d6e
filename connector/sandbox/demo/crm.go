package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// crm is one CRM server's data. Tool calls from any number of sessions
// arrive concurrently, so every access holds mu.
type crm struct {
	mu        sync.Mutex
	customers []Customer // kept in id order, so listings are stable
	orders    []Order
}

func newCRM() *crm {
	return &crm{customers: seedCustomers(), orders: seedOrders()}
}

// updatableFields are the customer fields update_customer may change; id and
// since are facts of the record, not editable details.
var updatableFields = []string{"name", "email", "company", "phone", "city", "country", "plan", "notes"}

var plans = []string{"free", "pro", "business", "enterprise"}

// CustomerSummary is one match of find_customer.
type CustomerSummary struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Company string `json:"company"`
}

type findCustomerIn struct {
	Query string `json:"query" jsonschema:"words to look for in the customer's name, email or company (case-insensitive; every word must match). Empty lists every customer."`
}

type findCustomerOut struct {
	Query   string            `json:"query"`
	Count   int               `json:"count"`
	Matches []CustomerSummary `json:"matches"`
}

type customerIDIn struct {
	ID string `json:"id" jsonschema:"the customer id, e.g. cus_001 (find_customer returns ids)"`
}

type listOrdersIn struct {
	CustomerID string `json:"customer_id" jsonschema:"the customer id, e.g. cus_001 (find_customer returns ids)"`
}

type listOrdersOut struct {
	CustomerID   string  `json:"customer_id"`
	CustomerName string  `json:"customer_name"`
	Count        int     `json:"count"`
	Orders       []Order `json:"orders"`
}

type updateCustomerIn struct {
	ID     string            `json:"id" jsonschema:"the customer id, e.g. cus_001"`
	Fields map[string]string `json:"fields" jsonschema:"new values by field name; allowed fields: name, email, company, phone, city, country, plan (free, pro, business, enterprise), notes"`
}

type updateCustomerOut struct {
	Changed  []string `json:"changed"`
	Customer Customer `json:"customer"`
}

type deleteCustomerOut struct {
	Deleted       string `json:"deleted"`
	Name          string `json:"name"`
	OrdersRemoved int    `json:"orders_removed"`
}

func newCRMServer() *mcp.Server {
	c := newCRM()
	srv := mcp.NewServer(&mcp.Implementation{Name: NameCRM, Title: "Demo CRM", Version: serverVersion}, &mcp.ServerOptions{
		Instructions: "A small customer database: find customers by name, email or company, read their details and orders, update or delete them. Ids look like cus_001 (customers) and ord_1001 (orders).",
	})
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "find_customer",
		Title:       "Find customer",
		Description: "Search customers by name, email or company (case-insensitive substring match on each word). Returns the matching customers with their ids, which the other CRM tools take.",
		Annotations: readOnly("Find customer"),
	}, c.find)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "get_customer",
		Title:       "Get customer",
		Description: "Get one customer's full record (contact details, company, plan, notes) by customer id.",
		Annotations: readOnly("Get customer"),
	}, c.get)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "list_orders",
		Title:       "List orders",
		Description: "List a customer's orders (date, status, items, total) by customer id, newest first.",
		Annotations: readOnly("List orders"),
	}, c.listOrders)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "update_customer",
		Title:       "Update customer",
		Description: "Update a customer's details: change fields such as email, phone, company, city, plan or notes. Returns the updated record.",
		Annotations: &mcp.ToolAnnotations{Title: "Update customer", DestructiveHint: new(false), IdempotentHint: true, OpenWorldHint: new(false)},
	}, c.update)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "delete_customer",
		Title:       "Delete customer",
		Description: "Permanently delete a customer and all of their orders. This cannot be undone.",
		Annotations: &mcp.ToolAnnotations{Title: "Delete customer", DestructiveHint: new(true), IdempotentHint: true, OpenWorldHint: new(false)},
	}, c.delete)
	return srv
}

// readOnly annotates a tool that only reads the demo's own closed data set.
// DestructiveHint is spelled out because its default, when absent, is true.
func readOnly(title string) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{Title: title, ReadOnlyHint: true, DestructiveHint: new(false), IdempotentHint: true, OpenWorldHint: new(false)}
}

func (c *crm) find(_ context.Context, _ *mcp.CallToolRequest, in findCustomerIn) (*mcp.CallToolResult, findCustomerOut, error) {
	words := strings.Fields(strings.ToLower(in.Query))
	out := findCustomerOut{Query: in.Query, Matches: []CustomerSummary{}}
	c.mu.Lock()
	for _, cu := range c.customers {
		if matchesAll(words, cu.Name, cu.Email, cu.Company) {
			out.Matches = append(out.Matches, CustomerSummary{ID: cu.ID, Name: cu.Name, Email: cu.Email, Company: cu.Company})
		}
	}
	c.mu.Unlock()
	out.Count = len(out.Matches)
	return jsonResult(out)
}

// matchesAll reports whether every word occurs in at least one of fields.
func matchesAll(words []string, fields ...string) bool {
	for _, w := range words {
		if !slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(strings.ToLower(f), w) }) {
			return false
		}
	}
	return true
}

func (c *crm) get(_ context.Context, _ *mcp.CallToolRequest, in customerIDIn) (*mcp.CallToolResult, Customer, error) {
	c.mu.Lock()
	i, err := c.indexLocked(in.ID)
	var cu Customer
	if err == nil {
		cu = c.customers[i]
	}
	c.mu.Unlock()
	if err != nil {
		return nil, Customer{}, err
	}
	return jsonResult(cu)
}

func (c *crm) listOrders(_ context.Context, _ *mcp.CallToolRequest, in listOrdersIn) (*mcp.CallToolResult, listOrdersOut, error) {
	c.mu.Lock()
	i, err := c.indexLocked(in.CustomerID)
	out := listOrdersOut{Orders: []Order{}}
	if err == nil {
		out.CustomerID, out.CustomerName = c.customers[i].ID, c.customers[i].Name
		for _, o := range c.orders {
			if o.CustomerID == out.CustomerID {
				o.Lines = slices.Clone(o.Lines)
				out.Orders = append(out.Orders, o)
			}
		}
	}
	c.mu.Unlock()
	if err != nil {
		return nil, listOrdersOut{}, err
	}
	// Dates are ISO, so string order is date order.
	slices.SortStableFunc(out.Orders, func(a, b Order) int { return strings.Compare(b.Date, a.Date) })
	out.Count = len(out.Orders)
	return jsonResult(out)
}

func (c *crm) update(_ context.Context, _ *mcp.CallToolRequest, in updateCustomerIn) (*mcp.CallToolResult, updateCustomerOut, error) {
	if len(in.Fields) == 0 {
		return nil, updateCustomerOut{}, fmt.Errorf("no fields to update; allowed fields: %s", strings.Join(updatableFields, ", "))
	}
	names := make([]string, 0, len(in.Fields))
	for name, value := range in.Fields {
		if err := checkField(name, value); err != nil {
			return nil, updateCustomerOut{}, err
		}
		names = append(names, name)
	}
	slices.Sort(names)

	c.mu.Lock()
	i, err := c.indexLocked(in.ID)
	var out updateCustomerOut
	if err == nil {
		cu := &c.customers[i]
		for _, name := range names {
			*customerField(cu, name) = strings.TrimSpace(in.Fields[name])
		}
		out = updateCustomerOut{Changed: names, Customer: *cu}
	}
	c.mu.Unlock()
	if err != nil {
		return nil, updateCustomerOut{}, err
	}
	return jsonResult(out)
}

// checkField rejects edits that would leave a record the other tools cannot
// show sensibly.
func checkField(name, value string) error {
	if !slices.Contains(updatableFields, name) {
		return fmt.Errorf("field %q cannot be updated; allowed fields: %s", name, strings.Join(updatableFields, ", "))
	}
	v := strings.TrimSpace(value)
	switch {
	case name == "name" && v == "":
		return fmt.Errorf("name cannot be empty")
	case name == "email" && !strings.Contains(v, "@"):
		return fmt.Errorf("email %q is not an email address", v)
	case name == "plan" && !slices.Contains(plans, v):
		return fmt.Errorf("plan %q is unknown; plans: %s", v, strings.Join(plans, ", "))
	}
	return nil
}

// customerField maps an updatable field name to its place in the record.
func customerField(cu *Customer, name string) *string {
	switch name {
	case "name":
		return &cu.Name
	case "email":
		return &cu.Email
	case "company":
		return &cu.Company
	case "phone":
		return &cu.Phone
	case "city":
		return &cu.City
	case "country":
		return &cu.Country
	case "plan":
		return &cu.Plan
	default: // "notes"; checkField admits nothing else
		return &cu.Notes
	}
}

func (c *crm) delete(_ context.Context, _ *mcp.CallToolRequest, in customerIDIn) (*mcp.CallToolResult, deleteCustomerOut, error) {
	c.mu.Lock()
	i, err := c.indexLocked(in.ID)
	var out deleteCustomerOut
	if err == nil {
		cu := c.customers[i]
		c.customers = slices.Delete(c.customers, i, i+1)
		n := len(c.orders)
		c.orders = slices.DeleteFunc(c.orders, func(o Order) bool { return o.CustomerID == cu.ID })
		out = deleteCustomerOut{Deleted: cu.ID, Name: cu.Name, OrdersRemoved: n - len(c.orders)}
	}
	c.mu.Unlock()
	if err != nil {
		return nil, deleteCustomerOut{}, err
	}
	return jsonResult(out)
}

// indexLocked finds a customer by id; c.mu must be held. The error is what
// the model (and the person) sees, so it says how to find a valid id.
func (c *crm) indexLocked(id string) (int, error) {
	id = strings.TrimSpace(id)
	i := slices.IndexFunc(c.customers, func(cu Customer) bool { return cu.ID == id })
	if i < 0 {
		return -1, fmt.Errorf("no customer with id %q; use find_customer to look up customer ids", id)
	}
	return i, nil
}
